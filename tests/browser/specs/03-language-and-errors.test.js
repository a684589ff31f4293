// The interface language (French by default, English after the footer's switch, kept from page
// to page) and the error pages, in both languages.
import assert from 'node:assert/strict';

import { flow } from '../lib/harness.js';

flow('French by default, English after the switch in the footer, and back', async ({ open }) => {
  // A browser in French, and one in a language the hub does not speak: both get French.
  for (const locale of ['fr-FR', 'de-DE']) {
    const visitor = await open(`visitor-${locale}`, { locale });
    await visitor.go('/');
    assert.equal(await visitor.page.locator('html').getAttribute('lang'), 'fr', `${locale}: French`);
    await visitor.page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Annuaire' }).waitFor();
  }

  const visitor = await open('visitor');
  const page = visitor.page;
  // The switch keeps the page and its query: an empty directory search, in English.
  await visitor.go('/members?q=personne-de-ce-nom');
  assert.match(await page.getByRole('main').innerText(), /Aucun membre ne correspond/);
  const footer = page.getByRole('contentinfo');
  const toEnglish = footer.getByRole('button', { name: 'English' });
  assert.equal(await toEnglish.getAttribute('lang'), 'en', 'the switch is labelled in its own language');
  visitor.lang = 'en';
  await visitor.follow(() => toEnglish.click());
  const url = new URL(page.url());
  assert.equal(url.pathname, '/members');
  assert.equal(url.searchParams.get('q'), 'personne-de-ce-nom');
  assert.match(await page.getByRole('main').innerText(), /No member matches this search/);
  await page.getByRole('heading', { level: 1, name: 'Member directory' }).waitFor();

  // It stays English from page to page.
  await visitor.follow(() => page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Sign in' }).click());
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await visitor.follow(() => page.getByRole('link', { name: 'About, rules and contact' }).click());
  await page.getByRole('heading', { level: 1, name: 'About' }).waitFor();

  // And back to French.
  const toFrench = page.getByRole('contentinfo').getByRole('button', { name: 'Français' });
  assert.equal(await toFrench.getAttribute('lang'), 'fr');
  visitor.lang = 'fr';
  await visitor.follow(() => toFrench.click());
  assert.equal(new URL(page.url()).pathname, '/about');
  await page.getByRole('heading', { level: 1, name: 'À propos' }).waitFor();
});

flow('a browser in English gets English', async ({ open }) => {
  const visitor = await open('visitor-en', { locale: 'en-GB', lang: 'en' });
  await visitor.go('/');
  await visitor.page.getByRole('link', { name: 'Create an account' }).first().waitFor();
});

flow('an unknown address gives a 404 page that helps back home, in both languages', async ({ open }) => {
  const visitor = await open('visitor');
  const page = visitor.page;
  await visitor.go('/cette-page-n-existe-pas', { status: 404 });
  await page.getByRole('heading', { level: 1, name: 'Page introuvable' }).waitFor();
  assert.match(await page.title(), /Page introuvable/);
  assert.match(await page.getByRole('main').innerText(), /Cette page n'existe pas ou plus/);
  await visitor.follow(() => page.getByRole('main').getByRole('link', { name: "Revenir à l'accueil" }).click());
  assert.equal(new URL(page.url()).pathname, '/');

  // A member who does not exist.
  await visitor.go('/u/personne_inconnue', { status: 404 });
  await page.getByRole('heading', { level: 1, name: 'Page introuvable' }).waitFor();

  // The same, in English.
  visitor.lang = 'en';
  await visitor.follow(() => page.getByRole('contentinfo').getByRole('button', { name: 'English' }).click(), { status: 404 });
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  assert.match(await page.getByRole('main').innerText(), /This page does not exist/);
});

flow('a form sent without its CSRF token is refused on a readable page', async ({ open }) => {
  const visitor = await open('visitor');
  const page = visitor.page;
  await visitor.go('/login');
  // As when the form comes from another site or an old tab: the token does not match.
  await page.locator('main input[name="csrf_token"]').evaluate((input) => { input.value = 'pas-le-bon-jeton'; });
  await page.getByLabel("Nom d'utilisateur").fill('quelqu_un');
  await page.getByLabel('Mot de passe').fill('un mot de passe quelconque');
  await visitor.follow(() => page.getByRole('button', { name: 'Se connecter' }).click(), { status: 403 });
  await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
  assert.match(await page.getByRole('main').innerText(), /Le formulaire a expiré/);
});
