// Light pages: each main page, loaded as on a first visit (no cache), moves less than 60 KB of
// HTML, CSS and JavaScript and asks nothing of another host. Screenshots at 360 px (a small
// phone) and 1280 px land in artifacts/, and nothing may need sideways scrolling at 360 px.
// The calendar's pages are weighed with an event in them, which the admin proposes first.
import assert from 'node:assert/strict';

import { ADMIN, RUN, flow, signIn } from '../lib/harness.js';

const BUDGET = 60_000; // bytes: HTML + CSS + JS, headers included, as transferred
const WIDTHS = [1280, 360];

const PUBLIC_PAGES = [
  ['home', '/'],
  ['about', '/about'],
  ['login', '/login'],
  ['signup', '/signup'],
  ['members', '/members'],
  ['profile', `/u/${ADMIN.username}`],
  ['forum', '/forum'],
  ['forum-topics', '/forum/topics'],
  ['forum-search', '/forum/search?q=demarche'],
  ['not-found', '/page-absente', 404],
];
const MEMBER_PAGES = [
  ['home-signed-in', '/'],
  ['members-signed-in', '/members'],
  ['settings', '/settings'],
  ['notifications', '/notifications'],
  ['notification-settings', '/settings/notifications'],
  ['forum-mine', '/forum/mine'],
  ['forum-follow', '/forum/follow'],
  ['moderation', '/moderation'],
  ['admin', '/admin'],
  ['admin-hub', '/admin/hub'],
  ['admin-registrations', '/admin/registrations'],
  ['admin-invitations', '/admin/invitations'],
  ['admin-members', '/admin/members'],
  ['admin-forum', '/admin/forum'],
];

/** The month and day the calendar pages show: those of the event proposed below. */
const EVENT_MONTH = '2027-06';
const EVENT_DAY = '2027-06-15';
const CALENDAR_PAGES = [
  ['events', '/events'],
  ['events-month', `/events/month?m=${EVENT_MONTH}`],
  ['events-day', `/events/day/${EVENT_DAY}`],
];

function kb(bytes) {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

async function weighAndShoot(t, s, pages) {
  const page = s.page;
  for (const [name, path, status = 200] of pages) {
    const since = s.transfers.length;
    const foreignBefore = s.foreign.length;
    await s.go(path, { status });
    await page.waitForLoadState('networkidle');
    const { byType, requests } = await s.weigh(since);
    const core = (byType.document || 0) + (byType.stylesheet || 0) + (byType.script || 0);
    const detail = Object.entries(byType).map(([type, bytes]) => `${type} ${kb(bytes)}`).join(', ');
    t.diagnostic(`${name} (${path}): ${kb(core)} of HTML+CSS+JS in ${requests.length} request(s) [${detail}]`);
    assert.ok(requests.some((r) => r.type === 'document'), `${path}: the document was weighed`);
    assert.ok(core < BUDGET, `${path}: ${core} bytes of HTML+CSS+JS, over the ${BUDGET} budget`);
    assert.deepEqual(s.foreign.slice(foreignBefore), [], `${path}: requests to another host`);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await s.screenshot(`${name}-${width}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path} at ${width}px: ${overflow}px of sideways scrolling`);
    }
    await page.setViewportSize({ width: WIDTHS[0], height: 800 });
  }
}

flow('the public pages are light, local and fit a small phone', async ({ t, open }) => {
  const visitor = await open('visitor');
  await weighAndShoot(t, visitor, PUBLIC_PAGES);
});

/** The admin proposes an event through the form, with what makes its page long; returns its path. */
async function proposeEvent(s) {
  const page = s.page;
  await s.go('/events/new');
  await page.getByRole('textbox', { name: /^Titre/ }).fill(`Permanence numérique ${RUN} : démarches en ligne et smartphone`);
  await page.getByRole('textbox', { name: 'Présentation' }).fill(
    'Une **permanence** pour les démarches en ligne (CAF, Ameli, impots.gouv.fr, ANTS) et la prise en main du smartphone.\n\n'
      + 'Apportez vos identifiants si vous les avez, et votre téléphone chargé.',
  );
  await page.getByRole('textbox', { name: 'Étiquettes' }).fill('démarches, smartphone, seniors');
  await page.getByLabel(/^Date de début/).fill(EVENT_DAY);
  await page.getByLabel('Heure de début').fill('09:30');
  await page.getByLabel('Heure de fin').fill('12:00');
  await page.getByRole('textbox', { name: 'Nom du lieu' }).fill('Espace France services');
  await page.getByRole('textbox', { name: 'Adresse', exact: true }).fill('2 place de la Mairie');
  await page.getByRole('textbox', { name: 'Code postal' }).fill('12300');
  await page.getByRole('textbox', { name: 'Ville' }).fill('Decazeville');
  await page.getByRole('textbox', { name: 'Accessibilité du lieu' }).fill('Accès de plain-pied, boucle magnétique à l\'accueil, toilettes adaptées.');
  await page.getByRole('radio', { name: 'Sur inscription' }).check();
  await page.getByRole('spinbutton', { name: 'Nombre de places' }).fill('12');
  await s.follow(() => page.getByRole('button', { name: "Publier l'évènement" }).click());
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/events\/[0-9]+$/, 'the event is published');
  return path;
}

flow('the signed-in pages are light, local and fit a small phone', async ({ t, open }) => {
  const admin = await open('admin');
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await weighAndShoot(t, admin, MEMBER_PAGES);
});

flow('the calendar pages are light, local and fit a small phone', async ({ t, open }) => {
  const admin = await open('admin');
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  const eventPath = await proposeEvent(admin);
  await weighAndShoot(t, admin, [
    ['event-new', '/events/new'],
    ['event-organiser', eventPath],
    ['event-registrations', `${eventPath}/registrations`],
  ]);
  const visitor = await open('visitor');
  await weighAndShoot(t, visitor, [...CALENDAR_PAGES, ['event', eventPath]]);
});
