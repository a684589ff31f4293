// A member completes their profile in /settings, then finds themselves in the directory by a
// search and by a skill; the profile page shows what they wrote.
import assert from 'node:assert/strict';

import { PASSWORD, RUN, approvedMember, assertFieldError, flow, signIn, signOut } from '../lib/harness.js';

const karim = `karim_${RUN}`;
// A skill nobody else has, so that the directory's answer is exactly this member.
const skill = `Aidants Connect ${RUN}`;

flow('a member edits the profile in settings and finds it in the directory', async ({ open }) => {
  const member = await approvedMember(open, karim);
  const page = member.page;

  // From the navigation to the settings.
  await member.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Paramètres' }).click());
  assert.equal(new URL(page.url()).pathname, '/settings');

  // A wrong photo address first: the error is tied to its field, the rest is kept.
  await page.getByLabel('Nom affiché').fill('Karim Benali');
  await page.getByLabel('Structure').fill('Espace public numérique de Bègles');
  await page.getByLabel('Territoire').fill('Gironde');
  await page.getByLabel('Compétences').fill(`${skill}, smartphone, démarches CAF`);
  await page.getByLabel('Présentation').fill('J\'accompagne les **démarches en ligne** le mardi.');
  await page.getByLabel('Adresse de votre photo').fill('photo-de-karim.jpg');
  await member.follow(() => page.getByRole('button', { name: 'Enregistrer le profil' }).click(), { status: 422 });
  await assertFieldError(page, 'avatar_url', 'Saisissez une adresse');
  assert.equal(await page.getByLabel('Nom affiché').inputValue(), 'Karim Benali');

  // Corrected: saved, and said so.
  await page.getByLabel('Adresse de votre photo').fill('');
  await member.follow(() => page.getByRole('button', { name: 'Enregistrer le profil' }).click());
  assert.match(page.url(), /saved=profile/);
  assert.match(await page.getByRole('status').innerText(), /Votre profil est enregistré/);
  assert.equal(await page.getByLabel('Territoire').inputValue(), 'Gironde');

  // The directory: by name, without accents or capitals.
  await member.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Annuaire' }).click());
  await page.getByRole('searchbox', { name: /Nom, structure, compétence/ }).fill('karim benali');
  await member.follow(() => page.getByRole('button', { name: 'Rechercher' }).click());
  let card = page.locator('.card', { hasText: `@${karim}` });
  assert.equal(await card.count(), 1, 'found by name');
  assert.match(await card.innerText(), /Espace public numérique de Bègles/);
  assert.match(await page.getByRole('status').innerText(), /^[1-9][0-9]* membre\(s\) trouvé\(s\)/);

  // By organisation, with accents left out.
  await page.getByRole('searchbox').fill('begles');
  await member.follow(() => page.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(await page.locator('.card', { hasText: `@${karim}` }).count(), 1, 'found by organisation');

  // By skill, typed in the skill field.
  await page.getByRole('searchbox').fill('');
  await page.getByLabel('Compétence', { exact: true }).fill(skill.toLowerCase());
  await member.follow(() => page.getByRole('button', { name: 'Rechercher' }).click());
  card = page.locator('.card', { hasText: `@${karim}` });
  assert.equal(await card.count(), 1, 'found by skill');
  assert.equal(await page.locator('.card').count(), 1, 'only this member has this skill');

  // By territory, from the list.
  await page.getByLabel('Compétence', { exact: true }).fill('');
  await page.getByLabel('Territoire').selectOption('Gironde');
  await member.follow(() => page.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(await page.locator('.card', { hasText: `@${karim}` }).count(), 1, 'found by territory');

  // A search that finds nobody: the empty state.
  await member.go('/members?q=personne-de-ce-nom');
  assert.match(await page.getByRole('main').innerText(), /Aucun membre ne correspond à cette recherche/);
  assert.match(await page.getByRole('status').innerText(), /^0 membre/);

  // By skill again, this time with the skill's link on the profile page.
  await member.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Mon profil' }).click());
  assert.equal(new URL(page.url()).pathname, `/u/${karim}`);
  await page.getByRole('heading', { level: 1, name: 'Karim Benali' }).waitFor();
  const main = await page.getByRole('main').innerText();
  assert.match(main, /Espace public numérique de Bègles/);
  assert.match(main, /Membre depuis le/);
  assert.equal(await page.locator('.prose strong').innerText(), 'démarches en ligne', 'the bio\'s Markdown');
  await member.follow(() => page.getByRole('main').getByRole('link', { name: skill }).click());
  assert.equal(new URL(page.url()).searchParams.get('skill'), skill);
  assert.equal(await page.locator('.card', { hasText: `@${karim}` }).count(), 1, 'found from the skill link');

  // A member is refused the administration, on a page that says so.
  await member.go('/admin', { status: 403 });
  await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
  await signOut(member);
});

flow('settings need a sign-in, which then leads back to them', async ({ open }) => {
  const visitor = await open('visitor');
  const page = visitor.page;
  await visitor.go('/settings');
  assert.equal(new URL(page.url()).pathname, '/login', 'sent to the sign-in page');
  // A wrong password first: one message for both cases, as an alert.
  await signIn(visitor, karim, 'pas le bon mot de passe', { status: 401 });
  assert.match(await page.getByRole('alert').innerText(), /Nom d'utilisateur ou mot de passe incorrect/);
  assert.match(await page.title(), /^Erreur :/);
  await signIn(visitor, karim, PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/settings', 'back to the page asked for');
});
