// Keyboard only: Tab, Shift+Tab, Enter and Space, never the mouse. Each stop must show a
// visible focus outline.
import assert from 'node:assert/strict';

import { ADMIN, assertFocusVisible, flow, focused, tabUntil } from '../lib/harness.js';

flow('with the keyboard only: skip link, sign in, sign out', async ({ open }) => {
  const person = await open('keyboard');
  const page = person.page;
  const keyboard = page.keyboard;
  await person.go('/');

  // The first Tab reaches the skip link, which appears on screen.
  await keyboard.press('Tab');
  let f = await assertFocusVisible(page, 'home: first Tab');
  assert.equal(f.href, '#main', 'the first stop is the skip link');
  assert.equal(f.text, 'Aller au contenu');
  await keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'the skip link moves the focus to <main>');

  // From the content, to its "Se connecter" button-link.
  f = await tabUntil(page, (x) => x.href === '/login', { where: 'home content' });
  assert.equal(f.text, 'Se connecter');
  await person.follow(() => keyboard.press('Enter'));
  assert.equal(new URL(page.url()).pathname, '/login');

  // The sign-in form, past the header thanks to the skip link.
  await keyboard.press('Tab');
  f = await assertFocusVisible(page, 'login: first Tab');
  assert.equal(f.href, '#main');
  await keyboard.press('Enter');
  f = await tabUntil(page, (x) => x.id === 'username', { max: 3, where: 'login form' });
  await keyboard.type(ADMIN.username);
  await keyboard.press('Tab');
  f = await assertFocusVisible(page, 'password field');
  assert.equal(f.id, 'password');
  // Back with Shift+Tab: the username is still there.
  await keyboard.press('Shift+Tab');
  f = await assertFocusVisible(page, 'Shift+Tab to username');
  assert.equal(f.id, 'username');
  assert.equal(await page.locator('#username').inputValue(), ADMIN.username);
  await keyboard.press('Tab');
  await keyboard.type(ADMIN.password);
  f = await tabUntil(page, (x) => x.tag === 'button', { max: 2, where: 'to the submit button' });
  assert.equal(f.text, 'Se connecter');
  await person.follow(() => keyboard.press('Space'));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.match(await page.getByRole('main').innerText(), /Bonjour/);

  // Signing out is a button in the header: reach it with Tab, press Enter.
  f = await tabUntil(page, (x) => x.text === 'Se déconnecter', { where: 'to sign out' });
  assert.equal(f.tag, 'button');
  await person.follow(() => keyboard.press('Enter'));
  await page.getByRole('navigation').getByRole('link', { name: 'Se connecter' }).waitFor();
});

// Walks every tab stop of a page from the skip link to the end, then back with Shift+Tab,
// checking that each stop shows a visible focus and that both ways visit the same stops.
const label = (f) => `${f.tag}${f.id ? `#${f.id}` : ''} "${f.text.split('\n')[0]}"`;
async function walk(page, where) {
  // Wherever the focus starts (axe may have moved the starting point), go round to the skip link.
  await tabUntil(page, (f) => f.href === '#main', { max: 120, where: `${where}, to the skip link`, quiet: true });
  const forwards = [label(await assertFocusVisible(page, `${where}, skip link`))];
  for (let i = 0; i < 100; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.none || f.href === '#main') break; // past the last stop, or round again
    await assertFocusVisible(page, `${where}, stop ${forwards.length + 1} (${label(f)})`);
    forwards.push(label(f));
  }
  assert.ok(forwards.length >= 5, `${where}: some tab stops (${forwards.length})`);
  const backwards = [];
  for (let i = 0; i < forwards.length + 3 && backwards.length < forwards.length; i++) {
    await page.keyboard.press('Shift+Tab');
    const f = await focused(page);
    if (f.none) continue; // out of the page and back in
    await assertFocusVisible(page, `${where}, Shift+Tab to ${label(f)}`);
    backwards.push(label(f));
  }
  assert.deepEqual(backwards.reverse(), forwards, `${where}: Shift+Tab visits the same stops in reverse`);
  return forwards;
}

flow('every tab stop of the public pages shows where the focus is', async ({ open }) => {
  const person = await open('keyboard');
  for (const path of ['/', '/signup', '/login', '/members', '/about', '/page-absente']) {
    await person.go(path, { status: path === '/page-absente' ? 404 : 200 });
    const stops = await walk(person.page, path);
    assert.equal(stops[0], 'a "Aller au contenu"', `${path}: the skip link`);
  }
});

flow('every tab stop of the signed-in pages shows where the focus is', async ({ open }) => {
  const admin = await open('keyboard-admin');
  await admin.go('/login');
  await admin.page.getByLabel("Nom d'utilisateur").fill(ADMIN.username);
  await admin.page.getByLabel('Mot de passe').fill(ADMIN.password);
  await admin.follow(() => admin.page.getByLabel('Mot de passe').press('Enter'));
  for (const path of ['/settings', '/admin', '/admin/hub', '/admin/registrations', '/admin/invitations', '/admin/members', `/u/${ADMIN.username}`]) {
    await admin.go(path);
    await walk(admin.page, path);
  }
});
