// The admin describes the hub (/admin/hub), publishes rules and opens registration to everyone:
// a visitor then signs up without waiting, once the rules are accepted. Registration goes back to
// approval at the end (the rules stay).
import assert from 'node:assert/strict';

import { ADMIN, RUN, assertFieldError, flow, signIn, signUp } from '../lib/harness.js';

const hubName = 'Maillage Gironde';
const tom = `tom_${RUN}`;

flow('the admin edits the hub identity and opens registration to everyone', async ({ open }) => {
  const admin = await open('admin');
  const page = admin.page;
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Administration' }).click());
  await admin.follow(() => page.getByRole('main').getByRole('link', { name: 'Identité du hub' }).click());
  assert.equal(new URL(page.url()).pathname, '/admin/hub');
  assert.ok(await page.getByLabel("Sur validation par l'équipe").isChecked(), 'a fresh hub asks for approval');

  await page.getByLabel('Nom du hub').fill(hubName);
  await page.getByLabel('Région').fill('Nouvelle-Aquitaine');
  await page.getByLabel('Présentation').fill('Le réseau des **médiatrices et médiateurs numériques** de Gironde.');
  await page.getByLabel('Contact').fill('Coordination : 05 56 00 00 00');
  await page.getByLabel('Charte').fill('Bienveillance envers les personnes accompagnées.');
  await page.getByLabel('Ouvertes à toutes et tous').check();
  // A logo address that is no web address: refused, with the error on the field.
  await page.getByLabel('Adresse du logo').fill('logo.png');
  await admin.follow(() => page.getByRole('button', { name: 'Enregistrer' }).click(), { status: 422 });
  await assertFieldError(page, 'logo_url', 'Saisissez une adresse');
  assert.match(await page.getByRole('alert').innerText(), /Le formulaire contient des erreurs/);
  assert.equal(await page.getByLabel('Nom du hub').inputValue(), hubName, 'the rest is kept');
  assert.ok(await page.getByLabel('Ouvertes à toutes et tous').isChecked(), 'the choice is kept');

  // No logo then (an address elsewhere would make every page call another host).
  await page.getByLabel('Adresse du logo').fill('');
  await admin.follow(() => page.getByRole('button', { name: 'Enregistrer' }).click());
  assert.match(page.url(), /saved=1/);
  assert.match(await page.getByRole('status').innerText(), /L'identité du hub est enregistrée/);
  assert.equal(await page.getByLabel('Région').inputValue(), 'Nouvelle-Aquitaine');

  // The home page and the about page show it.
  await admin.follow(() => page.getByRole('banner').getByRole('link', { name: hubName }).click());
  await page.getByRole('heading', { level: 1, name: hubName }).waitFor();
  assert.match(await page.title(), new RegExp(`· ${hubName}$`));
  assert.match(await page.locator('.lead').innerText(), /Nouvelle-Aquitaine/);
  assert.equal(await page.locator('.prose strong').innerText(), 'médiatrices et médiateurs numériques');
  await admin.follow(() => page.getByRole('contentinfo').getByRole('link', { name: 'À propos, charte et contact' }).click());
  assert.match(await page.getByRole('main').innerText(), /Coordination : 05 56 00 00 00/);
  assert.match(await page.getByRole('main').innerText(), /Bienveillance envers les personnes accompagnées/);

  // A visitor signs up and is in at once, welcomed in the settings.
  const visitor = await open('tom');
  await visitor.go('/signup');
  const main = await visitor.page.getByRole('main').innerText();
  assert.doesNotMatch(main, /validera votre demande/, 'no approval notice any more');
  assert.equal(await visitor.page.locator('#registration_note').count(), 0, 'no note for the team');
  // With rules published, they must be accepted: the error is on the checkbox.
  await visitor.page.getByLabel("Nom d'utilisateur").fill(tom);
  await visitor.page.getByLabel('Mot de passe').fill('une phrase de passe assez longue');
  await visitor.follow(() => visitor.page.getByRole('button', { name: 'Créer mon compte' }).click(), { status: 422 });
  await assertFieldError(visitor.page, 'accept_rules', 'Vous devez accepter la charte');
  await signUp(visitor, { username: tom, displayName: 'Tom Lefèvre' }); // ticks the box this time
  assert.equal(new URL(visitor.page.url()).pathname, '/settings');
  assert.match(await visitor.page.getByRole('status').innerText(), /Bienvenue/);
  await visitor.page.getByRole('navigation').getByRole('button', { name: 'Se déconnecter' }).waitFor();

  // Back to approval, as the other specs and a real hub expect.
  await admin.go('/admin/hub');
  await page.getByLabel("Sur validation par l'équipe").check();
  await admin.follow(() => page.getByRole('button', { name: 'Enregistrer' }).click());
  assert.ok(await page.getByLabel("Sur validation par l'équipe").isChecked());
  const later = await open('later');
  await later.go('/signup');
  assert.match(await later.page.getByRole('main').innerText(), /validera votre demande/);
});
