// The resource library, as mediators use it: a member finds the library empty, sends an empty
// form (each error tied to its field or group), then publishes a workshop kit (Markdown with a
// heading, a type, themes and a public from the Les Bases vocabularies, a CC BY-SA licence, an
// author with a link); its page says what the licence allows in plain words. She attaches a real
// PDF and downloads it back; a shell script, a file over 20 Mo and a "PDF" that is not one are
// refused on the file field. A second member publishes his own and finds hers by words of its
// body and of its file's name (without accents), by theme and by licence (the counts follow the
// selection), and cannot edit it. The author edits it: version 2, and the history shows version
// 1's text. Then the same publishing and uploading with the keyboard only, and without
// JavaScript (and deleting). The flows share the members and the kit, in file order; the
// library is empty at the start (07 deletes the resource it weighs).
import assert from 'node:assert/strict';

import {
  PASSWORD,
  RUN,
  accessibleOf,
  approvedMember,
  assertFieldError,
  assertFocusVisible,
  escapeRegExp,
  flow,
  minimalPdf,
  signIn,
  tabUntil,
} from '../lib/harness.js';

const NO_JS = { javaScriptEnabled: false };
const REQUIRED = 'Ce champ est obligatoire.';
const CHOOSE_ONE = 'Choisissez au moins un élément.';
const PUBLISH = 'Publier la ressource';
const UPLOAD = 'Ajouter le fichier';
const TYPE_REFUSED = "Ce type de fichier n'est pas accepté (PDF, ODT, DOCX, ODP, PPTX, images, audio).";
const TOO_LARGE = 'Le fichier dépasse la taille autorisée.';
const CONTENT_MISMATCH = 'Le contenu du fichier ne correspond pas à son extension.';
const CC_BY_SA = 'Creative Commons Attribution – Partage dans les mêmes conditions 4.0';
const CC_BY_SA_TERMS = "Vous pouvez la réutiliser et l'adapter en citant ses auteurs et en gardant la même licence.";
const ETALAB = 'Licence Ouverte / Etalab 2.0';

const nadia = { username: `nadia_${RUN}`, displayName: 'Nadia Roux' };
const theo = { username: `theo_${RUN}`, displayName: 'Théo Martin' };

// "Déroulé" is only in the body, "émargement" only in the file's name: the search finds both.
const kit = {
  title: 'Kit atelier : créer son compte Ameli',
  summary: "Un atelier d'une heure pour créer son compte Ameli pas à pas, avec des personnes qui découvrent le site.",
  body: [
    'Ce kit accompagne un atelier collectif de six personnes au plus.',
    '',
    '## Déroulé',
    '',
    '1. Accueil et tour de table (10 min)',
    '2. Créer son compte sur ameli.fr avec sa carte Vitale',
    '3. Retrouver ses remboursements',
    '',
    '**Matériel** : un ordinateur par personne, la carte Vitale de chacun.',
  ].join('\n'),
  type: 'Ressources pédagogiques',
  themes: ['Aide aux démarches administratives', 'Numérique en santé'],
  publics: ['Seniors & personnes âgées'],
  licence: CC_BY_SA,
  authors: 'Hub Occitanie | https://hub.example',
  links: 'Le site ameli.fr | https://www.ameli.fr',
};
const franceConnect = {
  title: 'Se connecter avec FranceConnect',
  summary: 'Une fiche pour expliquer FranceConnect et choisir son compte de connexion (impots.gouv.fr, La Poste, MSA).',
  type: 'Méthodologie',
  themes: ['Aide aux démarches administratives', 'Navigation sur Internet'],
  publics: ['Adultes'],
};
const PDF_NAME = 'feuille-emargement-ameli.pdf';
const PDF = minimalPdf("Feuille d'emargement - Atelier Ameli");
/** Set by the publishing flow: /resources/{id} of the kit. */
let kitPath = '';

const pathOf = (page) => new URL(page.url()).pathname;
const squash = (text) => text.replace(/\s+/g, ' ').trim();
const WEEKDAYS = 'lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche';
/** A date as the library writes it: "dimanche 29 novembre 2026". */
const DAY = `(?:${WEEKDAYS}) (?:1er|[0-9]{1,2}) \\p{L}+ [0-9]{4}`;

/** An existing member (approved by an earlier flow) signed in, in a new session. */
async function signedIn(open, who, options) {
  const s = await open(who.username, options);
  await s.go('/login');
  await signIn(s, who.username, PASSWORD);
  return s;
}

/** The publish form, from the catalogue's "Publier une ressource". */
async function openForm(s) {
  const page = s.page;
  await s.go('/resources');
  await s.follow(() => page.getByRole('main').getByRole('link', { name: 'Publier une ressource' }).click());
  assert.equal(pathOf(page), '/resources/new');
  await page.getByRole('heading', { level: 1, name: 'Publier une ressource' }).waitFor();
  const legends = await page.locator('form.resource-form > fieldset > legend').allInnerTexts();
  assert.deepEqual(legends, ['La ressource', 'Classement', 'Licence', 'Auteurs et liens'], 'the form in four parts');
}

const typeGroup = (page) => page.getByRole('group', { name: /^Type de ressource/ });
const themesGroup = (page) => page.getByRole('group', { name: /^Thématiques/ });
const publicsGroup = (page) => page.getByRole('group', { name: 'Publics', exact: true });
const licenceGroup = (page) => page.getByRole('group', { name: 'Licence', exact: true });

/** Fills the resource form as a person does, by the fields' labels. */
async function fillResource(page, r) {
  await page.getByRole('textbox', { name: /^Titre/ }).fill(r.title);
  await page.getByRole('textbox', { name: /^Résumé/ }).fill(r.summary);
  if (r.body) await page.getByRole('textbox', { name: 'Contenu' }).fill(r.body);
  if (r.type) await typeGroup(page).getByRole('radio', { name: r.type, exact: true }).check();
  for (const theme of r.themes || []) await themesGroup(page).getByRole('checkbox', { name: theme, exact: true }).check();
  for (const p of r.publics || []) await publicsGroup(page).getByRole('checkbox', { name: p, exact: true }).check();
  if (r.licence) await licenceGroup(page).getByRole('radio', { name: r.licence, exact: true }).check();
  if (r.authors) await page.getByRole('textbox', { name: 'Auteurs' }).fill(r.authors);
  if (r.links) await page.getByRole('textbox', { name: 'Liens' }).fill(r.links);
}

/** Publishes from an open form; returns the new resource's path. */
async function publish(s, r) {
  const page = s.page;
  await fillResource(page, r);
  await s.follow(() => page.getByRole('button', { name: PUBLISH }).click());
  assert.match(pathOf(page), /^\/resources\/[0-9]+$/, 'sent to the new resource');
  await page.getByRole('heading', { level: 1, name: r.title }).waitFor();
  return pathOf(page);
}

/**
 * A group's error (radio buttons, checkboxes): shown in the group, which is described by it, and
 * holding the element the summary's link points to.
 */
async function assertGroupError(page, name, legend, message) {
  const selector = `fieldset[aria-describedby~="${name}-error"]`;
  const group = page.locator(selector);
  assert.equal(await group.count(), 1, `one group described by ${name}-error`);
  const error = group.locator(`[id="${name}-error"]`);
  assert.ok(await error.isVisible(), `the error of ${name} is visible in its group`);
  assert.equal(await error.innerText(), message, `the error text of ${name}`);
  assert.equal(await group.locator(`[id="${name}"]`).count(), 1, `#${name} (the summary's target) is in the group`);
  const a11y = await accessibleOf(page, selector);
  assert.equal(a11y.role, 'group');
  assert.match(a11y.name, legend, `the group's name`);
  assert.match(a11y.description, new RegExp(escapeRegExp(message)), `the group's accessible description`);
}

/** The terms and descriptions of the resource page's list, spaces squashed. */
async function metaOf(page) {
  return page.locator('dl.resource-meta').evaluate((dl) => {
    const out = {};
    for (const dt of dl.querySelectorAll('dt')) out[dt.textContent.trim()] = dt.nextElementSibling.innerText.replace(/\s+/g, ' ').trim();
    return out;
  });
}

/** The catalogue's entry of a resource, by its title. */
function listed(page, title) {
  return page.locator('li.resource').filter({ has: page.getByRole('link', { name: title, exact: true }) });
}

/** The titles the catalogue shows. */
async function titles(page) {
  return page.locator('li.resource h2').allInnerTexts();
}

/** Fetches a link of the page with the page's cookies. */
async function download(page, href) {
  const response = await page.request.get(new URL(href, page.url()).href);
  return { response, body: await response.body() };
}

/** Chooses a file in the upload form and sends it. */
async function upload(s, file, { status = 200 } = {}) {
  const page = s.page;
  await page.getByLabel('Fichier (obligatoire)', { exact: true }).setInputFiles(file);
  return s.follow(() => page.getByRole('button', { name: UPLOAD }).click(), { status });
}

/** The files a resource page lists: the links' texts. */
async function filesListed(page) {
  return page.getByRole('region', { name: 'Fichiers' }).locator('ul.files').getByRole('link').allInnerTexts();
}

// ---------------------------------------------------------------------------------------------

flow('a member finds the library empty and sends an empty form: each error is tied to its field', async ({ open }) => {
  const author = await approvedMember(open, nadia.username, { displayName: nadia.displayName });
  const page = author.page;
  await author.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Ressources' }).click());
  assert.equal(pathOf(page), '/resources');
  await page.getByRole('heading', { level: 1, name: 'Ressources' }).waitFor();
  assert.equal(await page.getByRole('status').innerText(), '0 ressource(s) trouvée(s).', 'an empty library (07 deletes the resource it weighs)');
  assert.match(await page.getByRole('main').innerText(), /La bibliothèque est vide pour l'instant\./, 'the empty state says so');
  assert.equal(await page.locator('li.resource').count(), 0);
  const search = page.getByRole('search', { name: 'Rechercher des ressources' });
  assert.deepEqual(
    await search.getByRole('combobox', { name: 'Thématique' }).locator('option').allInnerTexts(),
    ['Toutes les thématiques'],
    'no theme to offer yet',
  );

  await openForm(author);
  assert.match(await page.getByRole('main').innerText(), /Les fichiers \(PDF, diaporamas, images…\) s'ajoutent ensuite/);
  // The defaults: French, the Etalab open licence; nothing chosen in the vocabularies.
  assert.equal(await page.getByRole('combobox', { name: 'Langue' }).inputValue(), 'fr');
  assert.ok(await licenceGroup(page).getByRole('radio', { name: ETALAB, exact: true }).isChecked());
  assert.equal(await typeGroup(page).getByRole('radio', { checked: true }).count(), 0, 'no type chosen');
  // Each licence's text, announced as opening a new window.
  await licenceGroup(page).getByRole('link', { name: `Lire la licence ${CC_BY_SA} (nouvelle fenêtre)` }).waitFor();
  // The themes, by Les Bases' categories.
  const categories = await themesGroup(page).locator('fieldset > legend').allInnerTexts();
  assert.deepEqual(categories, ['Inclusion numérique', 'Numérique & environnement', 'Culture numérique', 'Communs & souveraineté']);

  await author.follow(() => page.getByRole('button', { name: PUBLISH }).click(), { status: 422 });
  assert.equal(pathOf(page), '/resources/new');
  assert.match(await page.title(), /^Erreur :/, 'the title says the form has errors');
  const summary = page.getByRole('alert');
  assert.match(await summary.innerText(), /Le formulaire contient des erreurs/);
  const links = await summary.getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links.sort(), ['#resource_type', '#summary', '#themes', '#title'], 'the fields in error');
  const linkText = async (id) => squash(await summary.locator(`a[href="#${id}"]`).innerText());
  assert.equal(await linkText('title'), `Titre : ${REQUIRED}`, 'each link names its field');
  assert.equal(await linkText('summary'), `Résumé : ${REQUIRED}`);
  assert.equal(await linkText('resource_type'), `Type de ressource : ${REQUIRED}`);
  assert.equal(await linkText('themes'), `Thématiques : ${CHOOSE_ONE}`);

  const title = await assertFieldError(page, 'title', REQUIRED);
  assert.equal(title.name, 'Titre (obligatoire)');
  assert.match(title.description, /200 caractères au plus/, 'the hint stays tied to the title');
  const resume = await assertFieldError(page, 'summary', REQUIRED);
  assert.equal(resume.name, 'Résumé (obligatoire)');
  assert.match(resume.description, /c'est ce que voient les personnes sur Mastodon/);
  await assertGroupError(page, 'resource_type', /^Type de ressource \(obligatoire\)$/, REQUIRED);
  await assertGroupError(page, 'themes', /^Thématiques \(obligatoire\)$/, CHOOSE_ONE);
  for (const fine of ['body', 'authors', 'links']) {
    assert.equal(await page.locator(`#${fine}`).getAttribute('aria-invalid'), null, `${fine} is fine (optional)`);
  }
  assert.ok(await licenceGroup(page).getByRole('radio', { name: ETALAB, exact: true }).isChecked(), 'the licence is kept');

  // The summary's links take the focus to the field, or to the group's first box.
  await summary.locator('a[href="#themes"]').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'themes', 'the summary link focuses the first theme');
  await summary.locator('a[href="#summary"]').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'summary');
});

flow('the member publishes a workshop kit; its page says what the licence allows', async ({ open }) => {
  const author = await signedIn(open, nadia);
  const page = author.page;
  await openForm(author);
  kitPath = await publish(author, kit);
  const crumbs = page.getByRole('navigation', { name: "Fil d'Ariane" });
  assert.deepEqual(await crumbs.getByRole('link').allInnerTexts(), ['Ressources']);
  assert.equal(await crumbs.locator('[aria-current="page"]').innerText(), kit.title);
  assert.equal(await page.getByRole('main').locator('p.lead').innerText(), kit.summary);

  const meta = await metaOf(page);
  assert.equal(meta['Type de ressource'], kit.type);
  assert.equal(meta['Thématiques'], kit.themes.join(' '));
  assert.equal(meta['Publics'], kit.publics[0]);
  assert.equal(meta['Langue'], 'Français');
  assert.equal(meta['Version'], "Version 1 (voir l'historique)");
  assert.match(meta['Dernière mise à jour'], new RegExp(`^${DAY}$`, 'u'));
  assert.equal(meta['Auteurs'], 'Hub Occitanie');
  assert.equal(meta['Licence'], `${CC_BY_SA} ${CC_BY_SA_TERMS}`, 'the licence, then what it allows in plain words');
  const dl = page.locator('dl.resource-meta');
  assert.equal(await dl.getByRole('link', { name: 'Hub Occitanie' }).getAttribute('href'), 'https://hub.example');
  assert.equal(await dl.getByRole('link', { name: CC_BY_SA }).getAttribute('href'), 'https://creativecommons.org/licenses/by-sa/4.0/deed.fr');
  assert.equal(await dl.getByRole('link', { name: kit.themes[0] }).getAttribute('href'), '/resources?theme=aides_aux_demarches_administratives');
  assert.equal(await dl.getByRole('link', { name: "Version 1 (voir l'historique)" }).getAttribute('href'), `${kitPath}/versions`);

  // The body in Markdown: "##" is a sub-heading under the page's title, a numbered list, bold.
  const body = page.locator('.content');
  const heading = body.getByRole('heading', { name: 'Déroulé' });
  assert.equal(await heading.evaluate((h) => h.tagName), 'H3', '"## Déroulé" is a sub-heading (the hint: "## Sous-intertitre")');
  assert.deepEqual(await body.locator('ol > li').allInnerTexts(), [
    'Accueil et tour de table (10 min)',
    'Créer son compte sur ameli.fr avec sa carte Vitale',
    'Retrouver ses remboursements',
  ]);
  assert.equal(await body.locator('strong').innerText(), 'Matériel');

  const links = page.getByRole('region', { name: 'Liens' });
  assert.equal(await links.getByRole('link', { name: 'Le site ameli.fr' }).getAttribute('href'), 'https://www.ameli.fr');
  const files = page.getByRole('region', { name: 'Fichiers' });
  assert.match(await files.innerText(), /Aucun fichier pour l'instant\./);
  await files.getByRole('heading', { level: 3, name: 'Ajouter un fichier' }).waitFor();
  const manage = page.getByRole('region', { name: 'Gérer la ressource' });
  assert.equal(await manage.getByRole('link', { name: 'Modifier la ressource' }).getAttribute('href'), `${kitPath}/edit`);

  // In the catalogue, with its type and licence.
  await author.follow(() => crumbs.getByRole('link', { name: 'Ressources' }).click());
  assert.equal(await page.getByRole('status').innerText(), '1 ressource(s) trouvée(s).');
  const item = listed(page, kit.title);
  assert.equal(await item.count(), 1);
  assert.equal(await item.getByRole('link', { name: kit.title }).getAttribute('href'), kitPath);
  assert.equal(await item.getByRole('heading', { level: 2 }).innerText(), kit.title);
  assert.match(squash(await item.locator('p.meta').innerText()), new RegExp(`^${escapeRegExp(`${kit.type} · ${CC_BY_SA} · mise à jour le `)}[0-9]{2}/[0-9]{2}/[0-9]{4}$`));
});

flow('the author attaches a PDF and downloads it; a script, a too large file and a false PDF are refused', async ({ open }) => {
  assert.ok(kitPath, 'the kit was published');
  const author = await signedIn(open, nadia);
  const page = author.page;
  await author.go(kitPath);
  const input = page.getByLabel('Fichier (obligatoire)', { exact: true });
  const hint = await accessibleOf(page, '#file');
  assert.match(hint.name, /^Fichier \(obligatoire\)/);
  assert.match(hint.description, /^PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, images \(PNG, JPEG, GIF, WebP\) ou audio \(MP3, Ogg\) : 20,0 Mo au plus\.$/, 'the hint, with the size limit');
  assert.match(await input.getAttribute('accept'), /(^|,)\.pdf(,|$)/);

  await upload(author, { name: PDF_NAME, mimeType: 'application/pdf', buffer: PDF });
  assert.equal(pathOf(page), kitPath);
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'uploaded');
  assert.equal(await page.getByRole('status').innerText(), 'Le fichier a bien été ajouté.');
  assert.deepEqual(await filesListed(page), [`${PDF_NAME} (PDF, ${PDF.length} o)`], 'the file, its type and size');
  const link = page.getByRole('region', { name: 'Fichiers' }).getByRole('link', { name: new RegExp(`^${escapeRegExp(PDF_NAME)}`) });
  assert.equal(await link.getAttribute('type'), 'application/pdf');
  const href = await link.getAttribute('href');
  assert.match(href, new RegExp(`^/resources/files/[0-9]+/${escapeRegExp(PDF_NAME)}$`));
  const { response, body } = await download(page, href);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  // Opens in the browser, named for old clients and (RFC 6266) for the others.
  assert.equal(
    response.headers()['content-disposition'],
    `inline; filename="${PDF_NAME}"; filename*=UTF-8''${encodeURIComponent(PDF_NAME)}`,
    'a PDF opens in the browser, under its name',
  );
  assert.ok(body.equals(PDF), 'the same bytes come back');

  // A shell script: refused by its type, on the file field.
  await upload(author, { name: 'installer.sh', mimeType: 'application/x-sh', buffer: Buffer.from('#!/bin/sh\necho bonjour\n') }, { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  const summary = page.getByRole('alert');
  assert.match(await summary.innerText(), /Le formulaire contient des erreurs/);
  assert.equal(squash(await summary.getByRole('link').innerText()), `Fichier : ${TYPE_REFUSED}`);
  assert.equal(await summary.getByRole('link').getAttribute('href'), '#file');
  const refused = await assertFieldError(page, 'file', TYPE_REFUSED);
  assert.match(refused.description, /20,0 Mo au plus/, 'the hint stays tied to the field');
  assert.deepEqual(await filesListed(page), [`${PDF_NAME} (PDF, ${PDF.length} o)`], 'nothing added');
  await summary.getByRole('link').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'file', 'the summary link focuses the file field');

  // Over the 20 Mo: refused by its size, on the field too.
  const big = Buffer.alloc(20 * 1024 * 1024 + 1024, 0x20);
  PDF.copy(big);
  await upload(author, { name: 'diaporama.pdf', mimeType: 'application/pdf', buffer: big }, { status: 413 });
  assert.match(await page.title(), /^Erreur :/);
  assert.equal(squash(await page.getByRole('alert').getByRole('link').innerText()), `Fichier : ${TOO_LARGE}`);
  await assertFieldError(page, 'file', TOO_LARGE);

  // A ".pdf" that is text: refused by its content.
  await upload(author, { name: 'programme.pdf', mimeType: 'application/pdf', buffer: Buffer.from("Programme de l'atelier : ceci n'est pas un PDF.\n") }, { status: 422 });
  assert.equal(squash(await page.getByRole('alert').getByRole('link').innerText()), `Fichier : ${CONTENT_MISMATCH}`);
  await assertFieldError(page, 'file', CONTENT_MISMATCH);
  await author.go(kitPath);
  assert.deepEqual(await filesListed(page), [`${PDF_NAME} (PDF, ${PDF.length} o)`], 'still the one PDF');
});

flow('a second member finds the kit by its body, its file, theme and licence, and cannot edit it', async ({ open }) => {
  assert.ok(kitPath, 'the kit was published');
  const member = await approvedMember(open, theo.username, { displayName: theo.displayName });
  const page = member.page;
  await openForm(member);
  const fcPath = await publish(member, franceConnect);
  assert.equal((await metaOf(page))['Licence'], `${ETALAB} Vous pouvez la réutiliser et l'adapter en citant ses auteurs.`, 'the default licence');

  await member.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Ressources' }).click());
  assert.equal(await page.getByRole('status').innerText(), '2 ressource(s) trouvée(s).');
  const search = page.getByRole('search', { name: 'Rechercher des ressources' });
  const words = search.getByRole('searchbox', { name: 'Mots-clés' });
  assert.match((await accessibleOf(page, '#q')).description, /^Par exemple : démarches, smartphone, CAF\./);

  // A word of the body, typed without its accent.
  await words.fill('deroule');
  await member.follow(() => search.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(new URL(page.url()).searchParams.get('q'), 'deroule');
  assert.equal(await words.inputValue(), 'deroule', 'the words are kept');
  assert.equal(await page.getByRole('status').innerText(), '1 ressource(s) trouvée(s).');
  assert.deepEqual(await titles(page), [kit.title], 'found by "Déroulé" in its body');
  // A word of the file's name only.
  await words.fill('émargement');
  await member.follow(() => search.getByRole('button', { name: 'Rechercher' }).click());
  assert.deepEqual(await titles(page), [kit.title], "found by its file's name");
  // A word of neither.
  await words.fill('tablette');
  await member.follow(() => search.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(await page.getByRole('status').innerText(), '0 ressource(s) trouvée(s).');
  assert.match(await page.getByRole('main').innerText(), /Aucune ressource ne correspond à cette recherche\./);
  await member.follow(() => search.getByRole('link', { name: 'Voir toutes les ressources' }).click());
  assert.equal(page.url(), new URL('/resources', page.url()).href);
  assert.deepEqual((await titles(page)).sort(), [franceConnect.title, kit.title].sort());

  // The selects count what the selection holds.
  const theme = search.getByRole('combobox', { name: 'Thématique' });
  const licence = search.getByRole('combobox', { name: 'Licence' });
  const type = search.getByRole('combobox', { name: 'Type de ressource' });
  const options = (select) => select.locator('option').allInnerTexts();
  assert.deepEqual(await options(theme), [
    'Toutes les thématiques',
    'Aide aux démarches administratives (2)',
    'Navigation sur Internet (1)',
    'Numérique en santé (1)',
  ]);
  assert.deepEqual((await options(licence)).sort(), ['Toutes les licences', `${CC_BY_SA} (1)`, `${ETALAB} (1)`].sort());
  assert.deepEqual((await options(type)).sort(), ['Tous les types', 'Méthodologie (1)', 'Ressources pédagogiques (1)'].sort());
  await theme.selectOption({ label: 'Numérique en santé (1)' });
  await member.follow(() => search.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(new URL(page.url()).searchParams.get('theme'), 'numerique_en_sante');
  assert.equal(await theme.inputValue(), 'numerique_en_sante', 'the theme is kept');
  assert.deepEqual(await titles(page), [kit.title]);
  assert.deepEqual(await options(licence), ['Toutes les licences', `${CC_BY_SA} (1)`], 'the licences of the selection');
  assert.deepEqual(await options(theme), ['Toutes les thématiques', 'Aide aux démarches administratives (1)', 'Numérique en santé (1)']);
  // A theme both have, and a licence only one has.
  await theme.selectOption('aides_aux_demarches_administratives');
  await licence.selectOption({ label: `${CC_BY_SA} (1)` });
  await member.follow(() => search.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(new URL(page.url()).searchParams.get('licence'), 'CC-BY-SA-4.0');
  assert.equal(await licence.inputValue(), 'CC-BY-SA-4.0');
  assert.deepEqual(await titles(page), [kit.title]);
  assert.deepEqual(await options(licence), ['Toutes les licences', `${CC_BY_SA} (1)`], "the selection's licences");
  // Back to all the licences of the theme, then the other one.
  await licence.selectOption({ label: 'Toutes les licences' });
  await member.follow(() => search.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(await page.getByRole('status').innerText(), '2 ressource(s) trouvée(s).');
  assert.equal(await theme.inputValue(), 'aides_aux_demarches_administratives', 'the theme is kept');
  await licence.selectOption({ label: `${ETALAB} (1)` });
  await member.follow(() => search.getByRole('button', { name: 'Rechercher' }).click());
  assert.deepEqual(await titles(page), [franceConnect.title], 'the other licence, the other resource');
  assert.equal(await listed(page, franceConnect.title).getByRole('link').getAttribute('href'), fcPath);

  // The kit: readable and downloadable, not editable.
  await member.follow(() => search.getByRole('link', { name: 'Voir toutes les ressources' }).click());
  await member.follow(() => page.getByRole('link', { name: kit.title, exact: true }).click());
  assert.equal(pathOf(page), kitPath);
  assert.deepEqual(await filesListed(page), [`${PDF_NAME} (PDF, ${PDF.length} o)`]);
  const href = await page.getByRole('region', { name: 'Fichiers' }).getByRole('link').getAttribute('href');
  const { response, body } = await download(page, href);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  assert.ok(body.equals(PDF));
  assert.equal(await page.getByRole('link', { name: 'Modifier la ressource' }).count(), 0, 'no edit link');
  // Its licence lets him adapt it instead, as his own resource.
  assert.equal(await page.getByRole('region', { name: 'Adapter cette ressource' }).getByRole('link', { name: `Adapter cette ressource — ${kit.title}` }).getAttribute('href'), `${kitPath}/adapt`);
  assert.equal(await page.getByRole('region', { name: 'Gérer la ressource' }).count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Ajouter un fichier' }).count(), 0, 'no upload form');
  assert.equal(await page.getByLabel('Fichier (obligatoire)', { exact: true }).count(), 0);
  await member.go(`${kitPath}/edit`, { status: 403 });
  await page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
  // Nor by sending a file straight to it, with a valid form token.
  await member.go(fcPath);
  const token = await page.locator('input[name="csrf_token"]').first().inputValue();
  const sent = await page.request.post(new URL(`${kitPath}/files`, page.url()).href, {
    multipart: { csrf_token: token, file: { name: 'autre.pdf', mimeType: 'application/pdf', buffer: PDF } },
    maxRedirects: 0,
  });
  assert.equal(sent.status(), 403, 'an upload to another member\'s resource is refused');
});

flow('the author edits the kit with a note: version 2, and the history shows version 1', async ({ open }) => {
  assert.ok(kitPath, 'the kit was published');
  const author = await signedIn(open, nadia);
  const page = author.page;
  await author.go(kitPath);
  await author.follow(() => page.getByRole('region', { name: 'Gérer la ressource' }).getByRole('link', { name: 'Modifier la ressource' }).click());
  assert.equal(pathOf(page), `${kitPath}/edit`);
  await page.getByRole('heading', { level: 1, name: 'Modifier la ressource' }).waitFor();
  assert.deepEqual(await page.getByRole('navigation', { name: "Fil d'Ariane" }).getByRole('link').allInnerTexts(), ['Ressources', kit.title]);
  // Everything as published.
  assert.equal(await page.getByRole('textbox', { name: /^Titre/ }).inputValue(), kit.title);
  assert.equal(await page.getByRole('textbox', { name: /^Résumé/ }).inputValue(), kit.summary);
  assert.equal(await page.getByRole('textbox', { name: 'Contenu' }).inputValue(), kit.body);
  assert.ok(await typeGroup(page).getByRole('radio', { name: kit.type, exact: true }).isChecked());
  for (const t of kit.themes) assert.ok(await themesGroup(page).getByRole('checkbox', { name: t, exact: true }).isChecked(), t);
  assert.ok(await publicsGroup(page).getByRole('checkbox', { name: kit.publics[0], exact: true }).isChecked());
  assert.ok(await licenceGroup(page).getByRole('radio', { name: CC_BY_SA, exact: true }).isChecked());
  assert.equal(await page.getByRole('textbox', { name: 'Auteurs' }).inputValue(), kit.authors);
  assert.equal(await page.getByRole('textbox', { name: 'Liens' }).inputValue(), kit.links);
  const note = page.getByRole('textbox', { name: 'Ce qui change' });
  assert.equal(await note.inputValue(), '');
  assert.match((await accessibleOf(page, '#change_note')).description, /Visible dans l'historique des versions/);

  const body2 = kit.body.replace('3. Retrouver ses remboursements', '3. Retrouver ses remboursements\n4. Télécharger une attestation de droits');
  await page.getByRole('textbox', { name: 'Contenu' }).fill(body2);
  await note.fill("Ajout de l'attestation de droits");
  await author.follow(() => page.getByRole('button', { name: 'Enregistrer les modifications' }).click());
  assert.equal(pathOf(page), kitPath);
  assert.equal((await metaOf(page))['Version'], "Version 2 (voir l'historique)");
  assert.equal(await page.locator('.content ol > li').count(), 4);
  assert.deepEqual(await filesListed(page), [`${PDF_NAME} (PDF, ${PDF.length} o)`], 'the file stays');
  // The new words are found.
  await author.go('/resources?q=attestation');
  assert.deepEqual(await titles(page), [kit.title]);

  await author.go(kitPath);
  await author.follow(() => page.getByRole('link', { name: "Version 2 (voir l'historique)" }).click());
  assert.equal(pathOf(page), `${kitPath}/versions`);
  await page.getByRole('heading', { level: 1, name: `Historique · ${kit.title}` }).waitFor();
  const table = page.getByRole('table', { name: `Versions de la ressource « ${kit.title} »` });
  assert.deepEqual(await table.getByRole('columnheader').allInnerTexts(), ['Version', 'Date', 'Par', 'Ce qui change', 'Consulter']);
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 2, 'two versions');
  const row = async (i) => (await rows.nth(i).locator('th, td').allInnerTexts()).map(squash);
  const [v2, v1] = [await row(0), await row(1)];
  assert.deepEqual([v2[0], ...v2.slice(2)], ['2 actuelle', nadia.displayName, "Ajout de l'attestation de droits", 'Lire la version 2']);
  assert.deepEqual([v1[0], ...v1.slice(2)], ['1', nadia.displayName, 'Première version', 'Lire la version 1']);
  for (const v of [v1, v2]) assert.match(v[1], new RegExp(`^${DAY}$`, 'u'));
  // On a small phone the table scrolls sideways in its own region, which Tab reaches and the
  // arrows scroll; the page itself does not.
  await page.setViewportSize({ width: 360, height: 800 });
  const scroller = page.getByRole('region', { name: `Versions de la ressource « ${kit.title} »` });
  assert.equal(await scroller.count(), 1, 'the table scrolls in a region named by its caption');
  assert.equal(await scroller.getAttribute('tabindex'), '0', 'the scrolling region takes the focus');
  assert.ok(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth), 'the table is wider than a small phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the history at 360px: ${overflow}px of sideways scrolling`);
  await tabUntil(page, (x) => x.tag === 'div' && x.text.startsWith('Version'), { where: 'to the table', max: 30 });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'region', 'the region has the focus');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  // Scrolling may be animated: give it a moment.
  await scroller.evaluate((el) => new Promise((resolve) => setTimeout(resolve, 500)));
  assert.ok(await scroller.evaluate((el) => el.scrollLeft > 0), 'the arrows scroll the table');
  await page.setViewportSize({ width: 1280, height: 800 });

  // Version 1's text, marked as not the current one.
  await author.follow(() => table.getByRole('link', { name: 'Lire la version 1' }).click());
  assert.equal(pathOf(page), `${kitPath}/versions/1`);
  const old = page.getByRole('region', { name: /^Version 1 du / });
  assert.match(await old.getByRole('heading', { level: 2 }).innerText(), new RegExp(`^Version 1 du ${DAY}$`, 'u'));
  assert.equal(squash(await old.locator('p.notice').innerText()), 'Ce n\'est pas la version actuelle de la ressource. Voir la version actuelle');
  assert.equal(squash(await old.locator('p.meta').innerText()), `Par ${nadia.displayName}`);
  assert.equal(await old.locator('p.lead').innerText(), kit.summary);
  assert.deepEqual(await old.locator('.content ol > li').allInnerTexts(), [
    'Accueil et tour de table (10 min)',
    'Créer son compte sur ameli.fr avec sa carte Vitale',
    'Retrouver ses remboursements',
  ], "version 1's steps");
  assert.ok(!(await old.innerText()).includes('attestation'), 'without the later change');
  assert.equal(await table.getByRole('link', { name: 'Lire la version 1' }).getAttribute('aria-current'), 'page');
  const crumbs = page.getByRole('navigation', { name: "Fil d'Ariane" });
  assert.deepEqual(await crumbs.getByRole('link').allInnerTexts(), ['Ressources', kit.title, 'Historique']);
  // Version 2: the current one, with its note.
  await author.follow(() => table.getByRole('link', { name: 'Lire la version 2' }).click());
  const current = page.getByRole('region', { name: /^Version 2 du / });
  assert.equal(await current.locator('p.notice').innerText(), "C'est la version actuelle de la ressource.");
  assert.equal(squash(await current.locator('p.meta').innerText()), `Par ${nadia.displayName} · Ce qui change : Ajout de l'attestation de droits`);
  assert.equal(await current.locator('.content ol > li').count(), 4);
  await author.follow(() => crumbs.getByRole('link', { name: kit.title }).click());
  assert.equal(pathOf(page), kitPath);
});

// ---------------------------------------------------------------------------------------------
// Keyboard only

/** Presses Tab until the element `id` has the focus, the focus visible at every stop. */
function tabTo(page, id, { max = 12 } = {}) {
  return tabUntil(page, (f) => f.id === id, { max, where: `to #${id}` });
}

flow('with the keyboard only: publish a resource (radios, boxes, arrows) and attach a file', async ({ open }) => {
  const r = {
    title: `Atelier : créer son adresse e-mail ${RUN} au clavier`,
    summary: 'Un support pour créer une adresse e-mail et la retrouver.',
    authors: 'Médiathèque de Rodez',
  };
  const author = await signedIn(open, nadia);
  const page = author.page;
  const keyboard = page.keyboard;
  await author.go('/resources');
  let f = await tabUntil(page, (x) => x.href === '/resources/new', { where: 'catalogue, to publish', max: 60 });
  assert.equal(f.text, 'Publier une ressource');
  await author.follow(() => keyboard.press('Enter'));
  assert.equal(pathOf(page), '/resources/new');

  await tabTo(page, 'title', { max: 40 });
  await keyboard.type(r.title);
  await tabTo(page, 'summary', { max: 2 });
  await keyboard.type(r.summary);
  await tabTo(page, 'body', { max: 2 });
  await keyboard.type('## Étapes\n\n1. Choisir un fournisseur\n2. Noter son mot de passe');
  await tabTo(page, 'language', { max: 2 });
  // The type: Tab lands on the first radio; the arrows choose.
  f = await tabTo(page, 'resource_type', { max: 2 });
  assert.ok(!(await page.locator('#resource_type').isChecked()), 'nothing chosen yet');
  await keyboard.press('ArrowDown');
  f = await assertFocusVisible(page, 'the next type');
  assert.equal(f.id, 'resource_type-outils_numeriques');
  assert.ok(await typeGroup(page).getByRole('radio', { name: 'Outils Numériques' }).isChecked(), 'the arrow chose it');
  await keyboard.press('ArrowUp');
  f = await assertFocusVisible(page, 'back to the first type');
  assert.equal(f.id, 'resource_type');
  assert.ok(await typeGroup(page).getByRole('radio', { name: 'Ressources pédagogiques' }).isChecked());
  // A theme and a public, ticked with Space.
  await tabTo(page, 'themes', { max: 2 });
  await tabTo(page, 'themes-aides_aux_demarches_administratives', { max: 2 });
  await keyboard.press('Space');
  assert.ok(await page.locator('#themes-aides_aux_demarches_administratives').isChecked(), 'Space ticks the theme');
  // "Tous publics", the first public, takes the group's id.
  await tabTo(page, 'publics', { max: 40 });
  await keyboard.press('Space');
  assert.ok(await publicsGroup(page).getByRole('checkbox', { name: 'Tous publics' }).isChecked());
  // The licence: Tab lands on the chosen one (Etalab); the arrow moves to CC BY.
  f = await tabTo(page, 'licence', { max: 12 });
  assert.ok(await page.locator('#licence').isChecked());
  await keyboard.press('ArrowDown');
  f = await assertFocusVisible(page, 'the next licence');
  assert.equal(f.id, 'licence-2');
  assert.ok(await licenceGroup(page).getByRole('radio', { name: 'Creative Commons Attribution 4.0', exact: true }).isChecked());
  // Past the licences' links to the authors.
  await tabTo(page, 'authors', { max: 12 });
  await keyboard.type(r.authors);
  f = await tabUntil(page, (x) => x.tag === 'button' && x.text === PUBLISH, { where: 'to publish', max: 3 });
  await author.follow(() => keyboard.press('Enter'));
  assert.match(pathOf(page), /^\/resources\/[0-9]+$/);
  const path = pathOf(page);
  await page.getByRole('heading', { level: 1, name: r.title }).waitFor();
  const meta = await metaOf(page);
  assert.equal(meta['Type de ressource'], 'Ressources pédagogiques');
  assert.equal(meta['Thématiques'], 'Aide aux démarches administratives');
  assert.equal(meta['Publics'], 'Tous publics');
  assert.equal(meta['Auteurs'], r.authors);
  assert.equal(meta['Licence'], "Creative Commons Attribution 4.0 Vous pouvez la réutiliser et l'adapter en citant ses auteurs.");
  await page.locator('.content').getByRole('heading', { name: 'Étapes' }).waitFor();

  // The file field is reached with Tab; Space opens the chooser; Tab, Enter sends.
  // (Listening before the key is pressed: playwright then intercepts the chooser.)
  const choosing = page.waitForEvent('filechooser');
  f = await tabUntil(page, (x) => x.id === 'file', { where: 'to the file field', max: 60 });
  assert.equal(f.tag, 'input');
  await keyboard.press('Space');
  const chooser = await choosing;
  assert.equal(chooser.isMultiple(), false);
  await chooser.setFiles({ name: 'memo-adresse-email.pdf', mimeType: 'application/pdf', buffer: minimalPdf('Memo : adresse e-mail') });
  f = await tabUntil(page, (x) => x.tag === 'button' && x.text === UPLOAD, { where: 'to send the file', max: 2 });
  await author.follow(() => keyboard.press('Enter'));
  assert.equal(pathOf(page), path);
  assert.equal(await page.getByRole('status').innerText(), 'Le fichier a bien été ajouté.');
  assert.deepEqual(await filesListed(page), [`memo-adresse-email.pdf (PDF, ${minimalPdf('Memo : adresse e-mail').length} o)`]);
  // And the file's link, with the keyboard, from the top of the page.
  f = await tabUntil(page, (x) => x.text.startsWith('memo-adresse-email.pdf'), { where: 'to the file link', max: 60 });
  assert.match(f.href, /^\/resources\/files\/[0-9]+\/memo-adresse-email\.pdf$/);
});

// ---------------------------------------------------------------------------------------------
// Without JavaScript

flow('without JavaScript: publish, attach a file (and be refused one), download, delete', async ({ open }) => {
  const r = {
    title: `Fiche : prendre rendez-vous en ligne ${RUN} sans JavaScript`,
    summary: 'Prendre un rendez-vous médical en ligne, pas à pas.',
    body: '## Avant de commencer\n\nAvoir une adresse e-mail et son numéro de téléphone.',
    type: 'Ressources pédagogiques',
    themes: ['Numérique en santé'],
    licence: 'Creative Commons Zero 1.0 (domaine public)',
  };
  const author = await signedIn(open, nadia, NO_JS);
  const page = author.page;
  await openForm(author);
  // Without a summary first: the server's errors, without a script.
  await fillResource(page, { ...r, summary: '' });
  await author.follow(() => page.getByRole('button', { name: PUBLISH }).click(), { status: 422 });
  assert.equal(squash(await page.getByRole('alert').getByRole('link').innerText()), `Résumé : ${REQUIRED}`);
  assert.equal(await page.getByRole('textbox', { name: /^Titre/ }).inputValue(), r.title, 'the title is kept');
  assert.ok(await themesGroup(page).getByRole('checkbox', { name: r.themes[0], exact: true }).isChecked(), 'the theme is kept');
  assert.ok(await licenceGroup(page).getByRole('radio', { name: r.licence, exact: true }).isChecked(), 'the licence is kept');
  await page.getByRole('textbox', { name: /^Résumé/ }).fill(r.summary);
  await author.follow(() => page.getByRole('button', { name: PUBLISH }).click());
  assert.match(pathOf(page), /^\/resources\/[0-9]+$/);
  const path = pathOf(page);
  await page.getByRole('heading', { level: 1, name: r.title }).waitFor();
  assert.equal((await metaOf(page))['Licence'], `${r.licence} Vous pouvez la réutiliser et l'adapter librement, sans condition.`);

  const pdf = minimalPdf('Rendez-vous en ligne');
  await upload(author, { name: 'rendez-vous.pdf', mimeType: 'application/pdf', buffer: pdf });
  assert.equal(pathOf(page), path);
  assert.equal(await page.getByRole('status').innerText(), 'Le fichier a bien été ajouté.');
  assert.deepEqual(await filesListed(page), [`rendez-vous.pdf (PDF, ${pdf.length} o)`]);
  await upload(author, { name: 'rendez-vous.sh', mimeType: 'application/x-sh', buffer: Buffer.from('#!/bin/sh\n') }, { status: 422 });
  assert.equal(squash(await page.getByRole('alert').getByRole('link').innerText()), `Fichier : ${TYPE_REFUSED}`);
  await assertFieldError(page, 'file', TYPE_REFUSED);
  await author.go(path);
  const href = await page.getByRole('region', { name: 'Fichiers' }).getByRole('link').getAttribute('href');
  const { response, body } = await download(page, href);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  assert.ok(body.equals(pdf));

  // Deleting: behind a disclosure that opens without a script.
  const manage = page.getByRole('region', { name: 'Gérer la ressource' });
  const confirm = manage.getByRole('button', { name: `Supprimer définitivement — ${r.title}` });
  assert.ok(!(await confirm.isVisible()), 'the delete button is folded away');
  await manage.getByText('Supprimer la ressource', { exact: true }).click();
  assert.match(await manage.innerText(), /Cette action ne peut pas être annulée\./);
  await author.follow(() => confirm.click());
  assert.equal(pathOf(page), '/resources');
  assert.equal(await listed(page, r.title).count(), 0, 'gone from the catalogue');
  assert.equal(await listed(page, kit.title).count(), 1, 'the kit stays');
  await author.go(path, { status: 404 });
  assert.equal((await page.request.get(new URL(href, page.url()).href)).status(), 404, 'its file is gone too');
});
