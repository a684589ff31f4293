// JavaScript turned off (an old phone, a strict browser, a failed download): every form still
// works, because the pages are plain HTML forms.
import assert from 'node:assert/strict';

import { ADMIN, PASSWORD, RUN, approve, assertFieldError, flow, signIn, signOut, signUp } from '../lib/harness.js';

const ines = `ines_${RUN}`;
const NO_JS = { javaScriptEnabled: false };

flow('without JavaScript: sign up, get approved, sign in, edit the profile, switch language, sign out', async ({ open }) => {
  const visitor = await open('ines', NO_JS);
  const page = visitor.page;
  await visitor.go('/signup');

  // A password too short: the server's answer, the error tied to its field.
  await signUp(visitor, { username: ines, displayName: 'Inès Garcia', password: 'court' }, { status: 422 });
  await assertFieldError(page, 'password', 'au moins 10 caractères');
  assert.equal(await page.locator('#username').inputValue(), ines, 'the username is kept');

  await signUp(visitor, { username: ines, displayName: 'Inès Garcia', note: 'Conseillère numérique France Services.' });
  await page.getByRole('heading', { level: 1, name: 'Demande envoyée' }).waitFor();

  // The admin, also without JavaScript, approves.
  const admin = await open('admin', NO_JS);
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await approve(admin, ines);
  await signOut(admin);

  // Inès signs in and saves her profile.
  await visitor.go('/login');
  await signIn(visitor, ines, PASSWORD);
  await visitor.go('/settings');
  await page.getByLabel('Structure').fill('France Services de Lormont');
  await page.getByLabel('Compétences').fill(`Démarches ${RUN}`);
  await visitor.follow(() => page.getByRole('button', { name: 'Enregistrer le profil' }).click());
  assert.match(await page.getByRole('status').innerText(), /Votre profil est enregistré/);

  // The directory's search is a GET form.
  await visitor.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Annuaire' }).click());
  await page.getByLabel('Compétence', { exact: true }).fill(`démarches ${RUN}`);
  await visitor.follow(() => page.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(await page.locator('.card', { hasText: `@${ines}` }).count(), 1);

  // The language switch is a POST form too.
  visitor.lang = 'en';
  await visitor.follow(() => page.getByRole('contentinfo').getByRole('button', { name: 'English' }).click());
  await page.getByRole('heading', { level: 1, name: 'Member directory' }).waitFor();
  visitor.lang = 'fr';
  await visitor.follow(() => page.getByRole('contentinfo').getByRole('button', { name: 'Français' }).click());

  // And so is signing out.
  await signOut(visitor);
  await page.getByRole('navigation').getByRole('link', { name: 'Se connecter' }).waitFor();
});
