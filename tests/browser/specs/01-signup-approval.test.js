// Sign-up on a hub in approval mode (a fresh hub's default): the request waits, the admin
// approves it on /admin/registrations, then the new member signs in. And the form's errors.
import assert from 'node:assert/strict';

import { ADMIN, PASSWORD, RUN, approve, assertFieldError, flow, signIn, signUp } from '../lib/harness.js';

const lea = `lea_${RUN}`;

flow('a visitor asks for an account, the admin approves it, the member signs in', async ({ open }) => {
  const visitor = await open('visitor');
  const page = visitor.page;
  await visitor.go('/');
  await visitor.follow(() => page.getByRole('main').getByRole('link', { name: 'Créer un compte' }).click());
  assert.equal(new URL(page.url()).pathname, '/signup');
  assert.match(await page.getByRole('main').innerText(), /validera votre demande/, 'the approval notice');

  await signUp(visitor, {
    username: lea,
    displayName: 'Léa Martin',
    email: `${lea}@example.org`,
    note: 'Médiatrice numérique à la médiathèque de Pessac.',
  });
  await page.getByRole('heading', { level: 1, name: 'Demande envoyée' }).waitFor();
  assert.match(await page.getByRole('status').innerText(), new RegExp(`« ${lea} » a bien été reçue`));

  // Before the approval, signing in says the account waits.
  await visitor.go('/login');
  await signIn(visitor, lea, PASSWORD, { status: 403 });
  assert.match(await page.getByRole('alert').innerText(), /attend encore la validation/);

  // The admin sees the request, with the note, and approves it.
  const admin = await open('admin');
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.go('/admin');
  assert.match(await admin.page.getByRole('main').innerText(), /[1-9][0-9]* en attente/);
  await admin.follow(() => admin.page.getByRole('link', { name: "Demandes d'inscription" }).click());
  const card = admin.page.locator('.card', { hasText: `@${lea}` });
  assert.match(await card.innerText(), /médiathèque de Pessac/);
  assert.match(await card.innerText(), new RegExp(`${lea}@example.org`));
  await approve(admin, lea);
  // The queue is now empty: its empty state is audited too.
  assert.match(await admin.page.getByRole('main').innerText(), /Aucune demande en attente/);

  // The member signs in and is greeted by name.
  await visitor.go('/login');
  await signIn(visitor, lea, PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.match(await page.getByRole('main').innerText(), /Bonjour Léa Martin/);
  await page.getByRole('navigation').getByRole('button', { name: 'Se déconnecter' }).waitFor();
});

flow('sign-up errors are shown next to their fields and tied to them', async ({ open }) => {
  const visitor = await open('visitor');
  const page = visitor.page;
  await visitor.go('/signup');

  // Nothing filled in: the server answers (novalidate) with every error at once.
  await visitor.follow(() => page.getByRole('button', { name: 'Créer mon compte' }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/, 'the title says the form has errors');
  await assertFieldError(page, 'username', "Le nom d'utilisateur doit faire 2 à 30 caractères");
  await assertFieldError(page, 'password', 'au moins 10 caractères');

  // A username that is already taken (the admin's).
  await signUp(visitor, { username: ADMIN.username, displayName: 'Homonyme' }, { status: 422 });
  const summary = page.getByRole('alert');
  assert.match(await summary.innerText(), /Le formulaire contient des erreurs/);
  const a11y = await assertFieldError(page, 'username', 'Ce nom d\'utilisateur est déjà pris.');
  assert.match(a11y.name, /Nom d'utilisateur/, 'the field keeps its label as its name');
  // The hint stays tied to the field too, after the error.
  assert.match(a11y.description, /De 2 à 30 caractères/);
  // What was typed is kept, except the password.
  assert.equal(await page.locator('#username').inputValue(), ADMIN.username);
  assert.equal(await page.locator('#display_name').inputValue(), 'Homonyme');
  assert.equal(await page.locator('#password').inputValue(), '');

  // The summary's link takes the focus to the field.
  await summary.getByRole('link', { name: 'Ce nom d\'utilisateur est déjà pris.' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'username');
});
