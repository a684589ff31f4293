// The federation pages: "Le réseau" (/network, public, in the header's navigation) and the
// admin's /admin/federation (the send queue, the follow form and its error). A fresh hub talks
// to no other server: the empty states, and a follow that cannot find its account.
import assert from 'node:assert/strict';

import { ADMIN, RUN, approvedMember, assertFieldError, flow, signIn, tabUntil } from '../lib/harness.js';

const nadia = `nadia_${RUN}`;
const NO_JS = { javaScriptEnabled: false };
// A port nothing listens on: the hub cannot find this account.
const UNKNOWN = '@personne@localhost:9';

/** On /admin/federation: follows an account nobody can find; the page comes back with the error. */
async function followUnknown(admin) {
  const page = admin.page;
  await page.getByLabel('Compte').fill(UNKNOWN);
  await admin.follow(() => page.getByRole('button', { name: 'Suivre' }).click(), { status: 422 });
  assert.equal(new URL(page.url()).pathname, '/admin/federation/follow');
  assert.match(await page.title(), /^Erreur :/, 'the title says the form has errors');
  await page.getByRole('heading', { level: 1, name: 'Fédération' }).waitFor();
  const a11y = await assertFieldError(page, 'actor', 'Impossible de trouver ce compte.');
  assert.match(a11y.name, /Compte/, 'the field keeps its label as its name');
  assert.match(a11y.description, /par exemple @agenda@hub\.example/, 'the hint stays tied to the field');
  assert.equal(await page.getByLabel('Compte').inputValue(), UNKNOWN, 'what was typed is kept');
}

flow('"Le réseau" is public, in the navigation, and says when the hub talks to nobody yet', async ({ open }) => {
  const visitor = await open('visitor');
  const page = visitor.page;
  await visitor.go('/');
  await visitor.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Le réseau' }).click());
  assert.equal(new URL(page.url()).pathname, '/network');
  await page.getByRole('heading', { level: 1, name: 'Le réseau' }).waitFor();
  assert.match(await page.title(), /^Le réseau · /);
  const main = await page.getByRole('main').innerText();
  assert.match(main, /Les hubs et les autres serveurs du fédivers/, 'the introduction');
  assert.match(main, /Ce hub n'échange encore avec aucun autre serveur\./, 'the empty state');
  assert.equal(await page.getByRole('main').getByRole('table').count(), 0, 'no empty table');
});

flow('with the keyboard only: from the navigation to "Le réseau"', async ({ open }) => {
  const person = await open('keyboard');
  const page = person.page;
  await person.go('/');
  const f = await tabUntil(page, (x) => x.href === '/network', { where: 'home, to the network link' });
  assert.equal(f.text, 'Le réseau');
  await person.follow(() => page.keyboard.press('Enter'));
  assert.equal(new URL(page.url()).pathname, '/network');
  await page.getByRole('heading', { level: 1, name: 'Le réseau' }).waitFor();
});

flow('the admin sees the send queue, and a follow of an unknown account is refused on its field', async ({ open }) => {
  const admin = await open('admin');
  const page = admin.page;
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Administration' }).click());
  await admin.follow(() => page.getByRole('main').getByRole('link', { name: 'Fédération' }).click());
  assert.equal(new URL(page.url()).pathname, '/admin/federation');
  await page.getByRole('heading', { level: 1, name: 'Fédération' }).waitFor();
  assert.match(await page.title(), /^Fédération · /);

  // The queue's figures: a list of terms and their numbers.
  await page.getByRole('heading', { level: 2, name: "File d'envoi" }).waitFor();
  const queue = page.locator('main dl');
  assert.equal(await queue.count(), 1, 'one description list for the queue');
  assert.deepEqual(await queue.locator('dt').allInnerTexts(), ['En attente', 'En nouvel essai', 'Abandonnés', 'Livrés sur 24 h']);
  for (const figure of await queue.locator('dd').allInnerTexts()) assert.match(figure, /^[0-9]+$/, `a figure: "${figure}"`);

  // The follow form: a labelled field with its hint, and its button.
  await page.getByRole('heading', { level: 2, name: 'Suivre un hub ou un compte' }).waitFor();
  const field = page.getByRole('textbox', { name: 'Compte' });
  assert.equal(await field.getAttribute('id'), 'actor');
  assert.match(await page.locator('#actor-hint').innerText(), /Adresse du compte, par exemple @agenda@hub\.example/);
  assert.ok(((await field.getAttribute('aria-describedby')) || '').split(/\s+/).includes('actor-hint'), 'the hint is tied to the field');
  assert.equal(await field.getAttribute('aria-invalid'), null, 'no error before sending');
  await page.getByRole('button', { name: 'Suivre' }).waitFor();
  // A fresh hub knows no server and received nothing: the empty states.
  const main = await page.getByRole('main').innerText();
  assert.match(main, /Ce hub n'échange encore avec aucun autre serveur\./);
  assert.match(main, /Aucune activité reçue pour l'instant\./);

  // An account nobody can find: the page again, with status 422 and the error on the field
  // (and audited by axe, like every page).
  await followUnknown(admin);
  assert.equal(await page.locator('main dl').count(), 1, 'the queue is still shown');
});

flow('a member who is not admin gets the 403 page at /admin/federation', async ({ open }) => {
  const member = await approvedMember(open, nadia);
  const page = member.page;
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Administration' }).count(), 0, 'no admin link');
  await member.go('/admin/federation', { status: 403 });
  await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
  assert.match(await page.getByRole('main').innerText(), /Vous n'avez pas les droits nécessaires pour cette page/);
  assert.doesNotMatch(await page.getByRole('main').innerText(), /File d'envoi/, 'nothing of the admin page');
});

flow('without JavaScript: the admin sends the follow form and gets the error on its field', async ({ open }) => {
  const admin = await open('admin', NO_JS);
  const page = admin.page;
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.go('/admin/federation');
  await page.getByRole('heading', { level: 1, name: 'Fédération' }).waitFor();
  await followUnknown(admin);
  // The public page too.
  await admin.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Le réseau' }).click());
  assert.match(await page.getByRole('main').innerText(), /Ce hub n'échange encore avec aucun autre serveur\./);
});
