// Light pages: each main page, loaded as on a first visit (no cache), moves less than 60 KB of
// HTML, CSS and JavaScript and asks nothing of another host. Screenshots at 360 px (a small
// phone) and 1280 px land in artifacts/, and nothing may need sideways scrolling at 360 px.
// The calendar's pages are weighed with an event in them, which the admin proposes first; the
// library's with a resource (a Markdown body, a PDF, two versions) that the admin publishes
// first and deletes at the end, so that 11 finds the library empty.
import assert from 'node:assert/strict';

import { ADMIN, RUN, flow, minimalPdf, signIn } from '../lib/harness.js';

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

/**
 * The admin publishes a resource through the form, with what makes its page long (a body with
 * headings and a list, two themes, authors, links, a PDF), then edits it once; returns its path.
 */
async function publishResource(s) {
  const page = s.page;
  await s.go('/resources/new');
  await page.getByRole('textbox', { name: /^Titre/ }).fill(`Kit atelier ${RUN} : démarches en ligne avec FranceConnect et la carte Vitale`);
  await page.getByRole('textbox', { name: /^Résumé/ }).fill(
    "Un atelier d'une heure et demie pour se connecter aux services publics avec FranceConnect : "
      + 'impots.gouv.fr, Ameli, CAF. Fiche de déroulé, feuille d\'émargement et questionnaire de fin.',
  );
  await page.getByRole('textbox', { name: 'Contenu' }).fill(
    '## Objectifs\n\nSavoir créer un compte, retrouver un mot de passe et **reconnaître un site officiel**.\n\n'
      + '## Déroulé\n\n1. Accueil et tour de table (10 min)\n2. Démonstration sur grand écran (20 min)\n'
      + '3. Pratique en binôme sur les smartphones des personnes (45 min)\n4. Questions et évaluation (15 min)\n\n'
      + '## Matériel\n\n| Quoi | Combien |\n| --- | --- |\n| Ordinateurs | un pour deux |\n| Vidéoprojecteur | un |\n',
  );
  await page.getByRole('radio', { name: 'Ressources pédagogiques', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Aide aux démarches administratives', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Risques cyber et protection', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Personnes très éloignées du numérique', exact: true }).check();
  await page.getByRole('radio', { name: 'Creative Commons Attribution – Partage dans les mêmes conditions 4.0', exact: true }).check();
  await page.getByRole('textbox', { name: 'Auteurs' }).fill('Hub Occitanie | https://hub.example\nMédiathèque de Decazeville');
  await page.getByRole('textbox', { name: 'Liens' }).fill('FranceConnect | https://franceconnect.gouv.fr\nhttps://www.ameli.fr');
  await s.follow(() => page.getByRole('button', { name: 'Publier la ressource' }).click());
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/resources\/[0-9]+$/, 'the resource is published');
  await page.getByLabel('Fichier (obligatoire)', { exact: true }).setInputFiles({
    name: 'fiche-deroule-atelier-franceconnect-et-carte-vitale.pdf',
    mimeType: 'application/pdf',
    buffer: minimalPdf('Fiche de deroule - Atelier FranceConnect'),
  });
  await s.follow(() => page.getByRole('button', { name: 'Ajouter le fichier' }).click());
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'uploaded', 'the file is attached');
  await s.go(`${path}/edit`);
  await page.getByRole('textbox', { name: 'Ce qui change' }).fill('Ajout du questionnaire de fin et du matériel');
  await s.follow(() => page.getByRole('button', { name: 'Enregistrer les modifications' }).click());
  return path;
}

/** The admin deletes the resource from its page. */
async function deleteResource(s, path) {
  const page = s.page;
  await s.go(path);
  const manage = page.getByRole('region', { name: 'Gérer la ressource' });
  await manage.getByText('Supprimer la ressource', { exact: true }).click();
  await s.follow(() => manage.getByRole('button', { name: /^Supprimer définitivement/ }).click());
  assert.equal(new URL(page.url()).pathname, '/resources', 'the resource is deleted');
}

flow('the library pages are light, local and fit a small phone', async ({ t, open }) => {
  const admin = await open('admin');
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  const path = await publishResource(admin);
  let weighed = false;
  try {
    await weighAndShoot(t, admin, [
      ['resource-new', '/resources/new'],
      ['resource-author', path],
      ['resource-history', `${path}/versions`],
      ['resource-version', `${path}/versions/1`],
    ]);
    const visitor = await open('visitor');
    await weighAndShoot(t, visitor, [
      ['resources', '/resources'],
      ['resources-search', '/resources?q=deroule&theme=aides_aux_demarches_administratives'],
      ['resource', path],
    ]);
    weighed = true;
  } finally {
    // Deleted even when a check failed (11 expects an empty library), without hiding that failure.
    const deleting = deleteResource(admin, path);
    await (weighed ? deleting : deleting.catch(() => {}));
  }
});
