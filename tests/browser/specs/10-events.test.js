// The calendar, as mediators use it: a member proposes an event (after an empty form's errors),
// with a place, its accessibility and registration on a limited number of places; its page, its
// .ics. A second member finds it in the list (filtered by city and by tag), in the month's table
// and the day's page, and registers in one click. The organiser registers a person without an
// account and downloads the list. A weekly series with an exception. Then the same proposing
// with the keyboard only, and without JavaScript (with the waiting list). The flows share the
// members and the first event, in file order.
//
// The dates are in 2027, within the 366 days the list shows (written in November 2026).
import assert from 'node:assert/strict';

import {
  PASSWORD,
  RUN,
  approvedMember,
  assertFieldError,
  assertFocusVisible,
  browser,
  escapeRegExp,
  flow,
  focused,
  signIn,
  tabUntil,
} from '../lib/harness.js';

const NO_JS = { javaScriptEnabled: false };
const REQUIRED = 'Ce champ est obligatoire.';
const PUBLISH = "Publier l'évènement";

const claire = { username: `claire_${RUN}`, displayName: 'Claire Fabre' };
const driss = { username: `driss_${RUN}`, displayName: 'Driss Benali' };

const cafe = {
  title: `Café numérique ${RUN}`,
  description: 'Venez avec votre **smartphone** : on répond à toutes les questions, sans rendez-vous.',
  tags: 'Seniors, smartphone',
  startDate: '2027-06-10',
  startTime: '14:00',
  endTime: '16:00',
  timeZone: 'Europe/Paris',
  place: 'Médiathèque Jean Moulin',
  street: '1 avenue Victor Hugo',
  postalCode: '12000',
  city: 'Rodez',
  accessibility: 'Accès de plain-pied, boucle magnétique',
  registration: 'Sur inscription',
  capacity: '2',
  waitingList: true,
};
const CAFE_WHEN = 'jeu. 10 juin 2027, 14:00–16:00 (heure de Paris)';
const offline = { name: `Jeanne Martin ${RUN}`, contact: '06 12 34 56 78' };
/** Set by the publishing flow: /events/{id} of the café. */
let cafePath = '';

const pathOf = (page) => new URL(page.url()).pathname;
const squash = (text) => text.replace(/\s+/g, ' ').trim();

/** An existing member (approved by an earlier flow) signed in, in a new session. */
async function signedIn(open, who, options) {
  const s = await open(who.username, options);
  await s.go('/login');
  await signIn(s, who.username, PASSWORD);
  return s;
}

/** The year and month of today in Paris (the hub's zone), as the list's month link has it. */
function thisMonth() {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  return `${parts.find((p) => p.type === 'year').value}-${parts.find((p) => p.type === 'month').value}`;
}

/** Fills the event form as a person does, field by field, by their labels. */
async function fillEvent(page, e) {
  await page.getByRole('textbox', { name: /^Titre/ }).fill(e.title);
  if (e.description) await page.getByRole('textbox', { name: 'Présentation' }).fill(e.description);
  if (e.tags) await page.getByRole('textbox', { name: 'Étiquettes' }).fill(e.tags);
  await page.getByLabel(/^Date de début/).fill(e.startDate);
  await page.getByLabel('Heure de début').fill(e.startTime);
  if (e.endDate) await page.getByLabel('Date de fin').fill(e.endDate);
  await page.getByLabel('Heure de fin').fill(e.endTime);
  await page.getByRole('combobox', { name: 'Fuseau horaire' }).selectOption(e.timeZone || 'Europe/Paris');
  if (e.repeat) {
    const repeat = page.getByRole('group', { name: 'Répétition' });
    await repeat.getByRole('combobox', { name: 'Fréquence' }).selectOption({ label: e.repeat });
    for (const day of e.weekdays || []) await repeat.getByRole('checkbox', { name: day, exact: true }).check();
    if (e.count) {
      await repeat.getByRole('radio', { name: 'Après un nombre de séances' }).check();
      await repeat.getByRole('spinbutton', { name: 'Nombre de séances' }).fill(e.count);
    }
    if (e.exceptions) await repeat.getByRole('textbox', { name: 'Dates sans séance' }).fill(e.exceptions);
  }
  const where = page.getByRole('group', { name: 'Où' });
  if (e.place) await where.getByRole('textbox', { name: 'Nom du lieu' }).fill(e.place);
  if (e.street) await where.getByRole('textbox', { name: 'Adresse', exact: true }).fill(e.street);
  if (e.postalCode) await where.getByRole('textbox', { name: 'Code postal' }).fill(e.postalCode);
  if (e.city) await where.getByRole('textbox', { name: 'Ville' }).fill(e.city);
  if (e.accessibility) await where.getByRole('textbox', { name: 'Accessibilité du lieu' }).fill(e.accessibility);
  if (e.organiser) await page.getByRole('group', { name: 'Qui organise ?' }).getByRole('radio', { name: e.organiser }).check();
  const registration = page.getByRole('group', { name: 'Inscription' });
  if (e.registration) await registration.getByRole('radio', { name: e.registration }).check();
  if (e.capacity) await registration.getByRole('spinbutton', { name: 'Nombre de places' }).fill(e.capacity);
  if (e.waitingList !== undefined) await registration.getByRole('checkbox', { name: "Ouvrir une liste d'attente quand c'est complet" }).setChecked(e.waitingList);
}

/** The new-event form, from the list's "Proposer un évènement". */
async function openForm(s) {
  const page = s.page;
  await s.go('/events');
  await s.follow(() => page.getByRole('main').getByRole('link', { name: 'Proposer un évènement' }).click());
  assert.equal(pathOf(page), '/events/new');
  await page.getByRole('heading', { level: 1, name: 'Proposer un évènement' }).waitFor();
  const legends = await page.locator('form.event-form > fieldset > legend').allInnerTexts();
  assert.deepEqual(legends, ['Quoi', 'Quand', 'Répétition', 'Où', 'Organisation', 'Inscription'], 'the form in six parts');
}

/** The lines of the event page's "Inscription" part, spaces squashed. */
async function registrationText(page) {
  return squash(await page.getByRole('region', { name: 'Inscription' }).innerText());
}

/** The list item of an event in /events (or a day's page), by its title; within `scope` if given. */
function listed(page, title, scope = page) {
  return scope.locator('li.event').filter({ has: page.getByRole('link', { name: title, exact: true }) });
}

/** Fetches a file the page links to, with the page's cookies; returns the response and its text. */
async function download(page, href) {
  const response = await page.request.get(new URL(href, page.url()).href);
  return { response, text: await response.text() };
}

// ---------------------------------------------------------------------------------------------

flow('a member sends an empty event form: each error is announced and tied to its field', async ({ open }) => {
  const organiser = await approvedMember(open, claire.username, { displayName: claire.displayName });
  const page = organiser.page;
  await organiser.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Agenda' }).click());
  assert.equal(pathOf(page), '/events');
  await openForm(organiser);
  // The form's defaults: the hub's zone, one date, free entry, a waiting list if it is full.
  assert.equal(await page.getByRole('combobox', { name: 'Fuseau horaire' }).inputValue(), 'Europe/Paris');
  assert.equal(await page.getByRole('combobox', { name: 'Fréquence' }).inputValue(), '');
  assert.ok(await page.getByRole('radio', { name: 'Entrée libre, sans inscription' }).isChecked());
  assert.ok(await page.getByRole('radio', { name: 'Sans date de fin' }).isChecked());
  assert.ok(await page.getByRole('checkbox', { name: "Ouvrir une liste d'attente quand c'est complet" }).isChecked());

  await organiser.follow(() => page.getByRole('button', { name: PUBLISH }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/, 'the title says the form has errors');
  const summary = page.getByRole('alert');
  assert.match(await summary.innerText(), /Le formulaire contient des erreurs/);
  // What must be given: a title, when (date and hours), and a place or a link. The end date
  // may stay empty ("Laissez vide si l'évènement se termine le même jour"): no error on it.
  const links = await summary.getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links.sort(), ['#end_time', '#place_name', '#start_date', '#start_time', '#title'], 'the fields in error');
  assert.equal(await page.locator('#end_date').getAttribute('aria-invalid'), null, 'the empty end date is fine');
  const linkText = async (id) => squash(await summary.locator(`a[href="#${id}"]`).innerText());
  assert.equal(await linkText('title'), `Titre : ${REQUIRED}`, 'each link names its field');
  assert.match(await linkText('start_date'), /^Date de début : /);
  assert.equal(await linkText('place_name'), 'Nom du lieu : Indiquez un lieu ou un lien en ligne (ou les deux).');

  const title = await assertFieldError(page, 'title', REQUIRED);
  assert.match(title.name, /^Titre/, 'the title keeps its label as its name');
  assert.match(title.description, /Atelier « Créer son compte Ameli »/, 'the hint stays tied to the title');
  // Empty fields say they are required (a filled-in but unreadable one would say why).
  const date = await assertFieldError(page, 'start_date', REQUIRED);
  assert.equal(date.name, 'Date de début (obligatoire)');
  await assertFieldError(page, 'start_time', REQUIRED);
  await assertFieldError(page, 'end_time', REQUIRED);
  const place = await assertFieldError(page, 'place_name', 'Indiquez un lieu ou un lien en ligne');
  assert.equal(place.name, 'Nom du lieu');
  assert.match(place.description, /Médiathèque Jean Moulin/, 'with its hint');
  assert.equal(await page.locator('#tags').getAttribute('aria-invalid'), null, 'the tags are fine');

  // The summary's link takes the focus to the field.
  await summary.locator('a[href="#place_name"]').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'place_name', 'the summary link focuses the field');
});

flow('a member publishes an event with a place, its accessibility and limited places; its .ics', async ({ open }) => {
  const organiser = await signedIn(open, claire);
  const page = organiser.page;
  await openForm(organiser);
  await fillEvent(page, { ...cafe, organiser: 'Un membre du hub : la personne qui publie' });
  await organiser.follow(() => page.getByRole('button', { name: PUBLISH }).click());
  assert.match(pathOf(page), /^\/events\/[0-9]+$/, 'sent to the new event');
  cafePath = pathOf(page);
  await page.getByRole('heading', { level: 1, name: cafe.title }).waitFor();
  const crumbs = page.getByRole('navigation', { name: "Fil d'Ariane" });
  assert.deepEqual(await crumbs.getByRole('link').allInnerTexts(), ['Agenda']);
  assert.match(await page.getByRole('main').locator('p.meta').first().innerText(), new RegExp(`Organisé par ${claire.displayName}`));

  const when = page.getByRole('region', { name: 'Quand' });
  assert.equal(squash(await when.getByRole('paragraph').first().innerText()), CAFE_WHEN, 'the date, hours and zone');
  const where = page.getByRole('region', { name: 'Où' });
  assert.match(await where.innerText(), /Médiathèque Jean Moulin, 1 avenue Victor Hugo, 12000 Rodez/);
  await where.getByRole('heading', { level: 3, name: 'Accessibilité du lieu' }).waitFor();
  assert.match(await where.innerText(), /Accès de plain-pied, boucle magnétique/);
  const description = page.getByRole('region', { name: 'Présentation' });
  assert.equal(await description.locator('strong', { hasText: 'smartphone' }).count(), 1, 'the description in Markdown');
  const tags = await page.getByRole('main').getByRole('list', { name: 'Étiquettes' }).getByRole('link').allInnerTexts();
  assert.deepEqual(tags.sort(), ['#seniors', '#smartphone'], 'the tags, folded');
  assert.match(await registrationText(page), /0 personne\(s\) inscrite\(s\) pour 2 places\. 2 place\(s\) restante\(s\)/);
  await page.getByRole('region', { name: 'Inscription' }).getByRole('link', { name: 'Voir la liste des inscriptions' }).waitFor();
  await page.getByRole('region', { name: "Gérer l'évènement" }).getByRole('link', { name: "Modifier l'évènement" }).waitFor();

  // "Ajouter à mon agenda": an iCalendar file with the event, in its zone.
  const add = when.getByRole('link', { name: /^Ajouter à mon agenda/ });
  assert.equal(await add.getAttribute('href'), `${cafePath}/calendar.ics`);
  const { response, text } = await download(page, await add.getAttribute('href'));
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^text\/calendar/);
  const ics = text.replace(/\r\n[ \t]/g, ''); // unfolded
  assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
  assert.match(ics, /\r\nBEGIN:VEVENT\r\n/);
  assert.match(ics, new RegExp(`\r\nSUMMARY:${escapeRegExp(cafe.title)}\r\n`));
  assert.match(ics, /\r\nDTSTART;TZID=Europe\/Paris:20270610T140000\r\n/);
  assert.match(ics, /\r\nDTEND;TZID=Europe\/Paris:20270610T160000\r\n/);
  assert.match(ics, /\r\nLOCATION:Médiathèque Jean Moulin\\, 1 avenue Victor Hugo\\, 12000 Rodez\r\n/);
  assert.match(ics, /Accès de plain-pied\\, boucle magnétique/, 'the accessibility notes travel with it');
});

flow('a second member finds the event by city, by tag, in the month and the day, and registers', async ({ open }) => {
  assert.ok(cafePath, 'the event was published');
  const member = await approvedMember(open, driss.username, { displayName: driss.displayName });
  const page = member.page;
  await member.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Agenda' }).click());
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  // Subscriptions: webcal, .ics, Atom, RSS.
  const feeds = page.getByRole('main').locator('p.feeds');
  assert.match(await feeds.getByRole('link', { name: "dans mon application d'agenda" }).getAttribute('href'), /^webcal:\/\/.+\/events\/calendar\.ics$/);
  assert.match(await feeds.getByRole('link', { name: 'adresse iCalendar (.ics)' }).getAttribute('href'), /^https?:\/\/.+\/events\/calendar\.ics$/);
  assert.equal(await feeds.getByRole('link', { name: 'Atom' }).getAttribute('href'), '/events/feed.atom');
  assert.equal(await feeds.getByRole('link', { name: 'RSS' }).getAttribute('href'), '/events/feed.rss');
  const atom = await download(page, '/events/feed.atom');
  assert.match(atom.response.headers()['content-type'], /^application\/atom\+xml/);
  assert.ok(atom.text.includes(cafe.title), 'the Atom feed has the event');

  // By city (in lower case: folded), with the filters' search form.
  const filters = page.getByRole('search', { name: 'Filtrer les évènements' });
  await filters.getByRole('textbox', { name: 'Ville' }).fill('rodez');
  await member.follow(() => filters.getByRole('button', { name: 'Filtrer' }).click());
  assert.equal(pathOf(page), '/events');
  assert.equal(new URL(page.url()).searchParams.get('city'), 'rodez');
  assert.equal(await filters.getByRole('textbox', { name: 'Ville' }).inputValue(), 'rodez', 'the filter is kept');
  assert.match(await page.getByRole('status').innerText(), /^[1-9][0-9]* évènement\(s\) à venir$/);
  let item = listed(page, cafe.title);
  assert.equal(await item.count(), 1, 'the event is listed');
  assert.equal(squash(await item.locator('p.meta').first().innerText()), '14:00–16:00 · Médiathèque Jean Moulin, Rodez');
  assert.equal(squash(await item.locator('p.meta').nth(1).innerText()), 'Sur inscription · 2 place(s) restante(s)');
  assert.equal(await item.locator('time').getAttribute('datetime'), '2027-06-10T14:00:00+02:00');
  // Under its day's heading.
  const day = page.getByRole('main').locator('section').filter({ has: item });
  assert.equal(await day.getByRole('heading', { level: 2 }).innerText(), 'jeudi 10 juin 2027');
  for (const meta of await page.locator('li.event p.meta:first-of-type').allInnerTexts()) {
    assert.match(meta, /Rodez/, 'only events in Rodez');
  }
  await member.follow(() => filters.getByRole('link', { name: 'Voir tous les évènements' }).click());
  assert.equal(page.url(), new URL('/events', page.url()).href);

  // By tag, typed with a capital: folded too; the subscription follows the tag.
  await filters.getByRole('textbox', { name: 'Étiquette' }).fill('Seniors');
  await filters.getByRole('combobox', { name: 'Format' }).selectOption({ label: 'Sur place' });
  await member.follow(() => filters.getByRole('button', { name: 'Filtrer' }).click());
  assert.equal(await filters.getByRole('textbox', { name: 'Étiquette' }).inputValue(), 'seniors');
  assert.equal(await filters.getByRole('combobox', { name: 'Format' }).inputValue(), 'in_person');
  assert.match(await feeds.innerText(), /S'abonner aux évènements « seniors »/);
  const tagIcs = await feeds.getByRole('link', { name: 'adresse iCalendar (.ics)' }).getAttribute('href');
  assert.match(tagIcs, /\/events\/tags\/seniors\/calendar\.ics$/);
  assert.ok((await download(page, tagIcs)).text.replace(/\r\n[ \t]/g, '').includes(`SUMMARY:${cafe.title}`), "the tag's calendar has it");
  item = listed(page, cafe.title);
  assert.equal(await item.count(), 1, 'found by its tag');
  for (const tags of await page.locator('li.event').evaluateAll((lis) => lis.map((li) => li.innerText))) {
    assert.match(tags, /#seniors/, 'only events tagged seniors');
  }

  // The month's table, from the list: this month, then the next, then June 2027.
  await member.go('/events');
  const monthLink = page.getByRole('main').getByRole('link', { name: 'Voir le mois entier' });
  assert.equal(await monthLink.getAttribute('href'), `/events/month?m=${thisMonth()}`);
  await member.follow(() => monthLink.click());
  await member.follow(() => page.getByRole('navigation', { name: 'Changer de mois' }).getByRole('link', { name: 'Mois suivant' }).click());
  assert.notEqual(new URL(page.url()).searchParams.get('m'), thisMonth(), 'the next month');
  await member.go('/events/month?m=2027-06');
  await page.getByRole('heading', { level: 1, name: 'Agenda : juin 2027' }).waitFor();
  const table = page.getByRole('table', { name: 'Calendrier du mois : juin 2027' });
  const shown = await table.getByRole('columnheader').evaluateAll((ths) => ths.map((th) => th.querySelector('abbr').textContent));
  assert.deepEqual(shown, ['lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.', 'dim.'], 'short day names on screen');
  for (const day of ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche']) {
    assert.equal(await table.getByRole('columnheader', { name: day, exact: true }).count(), 1, `the full name "${day}" read out`);
  }
  const cell = table.getByRole('cell').filter({ has: page.getByRole('link', { name: '10 juin 2027', exact: true }) });
  assert.equal(await cell.count(), 1, 'the day of the event');
  assert.equal(await cell.evaluate((td) => td.cellIndex), 3, 'a Thursday');
  const entry = cell.getByRole('link', { name: `14:00–16:00 ${cafe.title}` });
  assert.equal(await entry.getAttribute('href'), cafePath);
  // The day's page, from the day's link.
  await member.follow(() => cell.getByRole('link', { name: '10 juin 2027', exact: true }).click());
  assert.equal(pathOf(page), '/events/day/2027-06-10');
  await page.getByRole('heading', { level: 1, name: 'jeudi 10 juin 2027' }).waitFor();
  await member.follow(() => page.getByRole('heading', { level: 2, name: cafe.title }).getByRole('link').click());
  assert.equal(pathOf(page), cafePath);

  // One click to register; the notice; one place less.
  assert.match(await registrationText(page), /0 personne\(s\) inscrite\(s\) pour 2 places\. 2 place\(s\) restante\(s\)/);
  assert.equal(await page.getByRole('link', { name: 'Voir la liste des inscriptions' }).count(), 0, 'not the organiser');
  await member.follow(() => page.getByRole('button', { name: "M'inscrire" }).click());
  assert.equal(pathOf(page), cafePath);
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'registered_confirmed');
  assert.equal(await page.getByRole('status').innerText(), "C'est noté : votre inscription est confirmée.");
  let text = await registrationText(page);
  assert.match(text, /1 personne\(s\) inscrite\(s\) pour 2 places\. 1 place\(s\) restante\(s\)/);
  assert.match(text, /Vous êtes inscrit·e\./);
  // Changing one's mind, then back.
  await member.follow(() => page.getByRole('button', { name: 'Annuler mon inscription' }).click());
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'unregistered');
  assert.equal(await page.getByRole('status').innerText(), 'Votre inscription est annulée.');
  assert.match(await registrationText(page), /2 place\(s\) restante\(s\)/);
  await member.follow(() => page.getByRole('button', { name: "M'inscrire" }).click());
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'registered_confirmed');
  text = await registrationText(page);
  assert.match(text, /1 place\(s\) restante\(s\)/);
  await page.getByRole('button', { name: 'Annuler mon inscription' }).waitFor();
  // The list says so too.
  await member.go('/events');
  assert.equal(squash(await listed(page, cafe.title).locator('p.meta').nth(1).innerText()), 'Sur inscription · 1 place(s) restante(s)');
});

flow('the organiser registers a person without an account and downloads the list', async ({ open }) => {
  assert.ok(cafePath, 'the event was published');
  const organiser = await signedIn(open, claire);
  const page = organiser.page;
  await organiser.go(cafePath);
  await organiser.follow(() => page.getByRole('link', { name: 'Voir la liste des inscriptions' }).click());
  assert.equal(pathOf(page), `${cafePath}/registrations`);
  await page.getByRole('heading', { level: 1, name: `Inscriptions · ${cafe.title}` }).waitFor();
  const table = page.getByRole('table', { name: 'Personnes inscrites' });
  assert.deepEqual(await table.getByRole('columnheader').allInnerTexts(), ['Nom', 'Statut', 'Origine', 'Contact', 'Date', 'Action']);
  const member = table.getByRole('row', { name: new RegExp(`^${driss.displayName}`) });
  assert.equal(await member.count(), 1, 'the member is listed');
  assert.deepEqual((await member.getByRole('cell').allInnerTexts()).slice(0, 2), ['Confirmée', 'Compte du hub']);

  // Without a name: refused on its field.
  const add = page.getByRole('region', { name: 'Inscrire une personne sans compte' });
  await organiser.follow(() => add.getByRole('button', { name: 'Inscrire', exact: true }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  assert.match(await page.getByRole('alert').innerText(), /Le formulaire contient des erreurs/);
  assert.equal(squash(await page.getByRole('alert').getByRole('link').innerText()), `Nom de la personne : ${REQUIRED}`);
  await assertFieldError(page, 'name', REQUIRED);
  // Name and phone.
  await add.getByRole('textbox', { name: /^Nom de la personne/ }).fill(offline.name);
  const contact = add.getByRole('textbox', { name: 'Contact' });
  assert.match((await contact.evaluate((el) => el.getAttribute('aria-describedby'))) || '', /contact-hint/);
  await contact.fill(offline.contact);
  await organiser.follow(() => add.getByRole('button', { name: 'Inscrire', exact: true }).click());
  assert.equal(pathOf(page), `${cafePath}/registrations`);
  assert.match(squash(await page.getByRole('main').innerText()), /2 inscription\(s\) confirmée\(s\), 0 sur liste d'attente, 0 demande\(s\) en attente\. Nombre de places : 2\./);
  const person = table.getByRole('row', { name: new RegExp(`^${offline.name}`) });
  assert.deepEqual((await person.getByRole('cell').allInnerTexts()).slice(0, 3), ['Confirmée', 'Sans compte', offline.contact]);
  assert.equal(await table.getByRole('row', { name: new RegExp(`^${driss.displayName}`) }).count(), 1, 'both are listed');
  await person.getByRole('button', { name: `Retirer — ${offline.name}` }).waitFor();

  // The CSV.
  const link = page.getByRole('link', { name: 'Télécharger la liste (CSV)' });
  assert.equal(await link.getAttribute('href'), `${cafePath}/registrations.csv`);
  const { response, text } = await download(page, await link.getAttribute('href'));
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'text/csv; charset=utf-8');
  const id = cafePath.split('/').pop();
  assert.equal(response.headers()['content-disposition'], `attachment; filename="inscriptions-${id}.csv"`);
  const lines = text.trim().split(/\r?\n/);
  assert.equal(lines[0], '"Nom","Statut","Origine","Contact","Date d\'inscription"');
  assert.equal(lines.length, 3, 'a header and two people');
  assert.ok(lines.some((l) => l.startsWith(`"${driss.displayName}",`)), 'the member is in the CSV');
  assert.ok(lines.some((l) => l.startsWith(`"${offline.name}",`) && l.includes(`"${offline.contact}"`)), 'the person without an account and the phone');

  // The table fits a small phone: it scrolls in its own region, the page does not.
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await organiser.screenshot('event-registrations-table-360');
  assert.ok(overflow <= 0, `the registrations at 360px: ${overflow}px of sideways scrolling`);
  await page.setViewportSize({ width: 1280, height: 800 });

  // Full now; the page says so.
  await organiser.follow(() => page.getByRole('link', { name: 'Revenir à l\'évènement' }).click());
  assert.equal(pathOf(page), cafePath);
  const text2 = await registrationText(page);
  assert.match(text2, /2 personne\(s\) inscrite\(s\) pour 2 places\. Complet/);
  assert.match(text2, /Une liste d'attente est ouverte/);

  // The list and its CSV are the organiser's: the member is refused.
  const other = await signedIn(open, driss);
  await other.go(`${cafePath}/registrations`, { status: 403 });
  await other.page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
  assert.equal((await other.page.request.get(new URL(`${cafePath}/registrations.csv`, other.page.url()).href)).status(), 403);
});

flow('a weekly series with a date off says "chaque mardi" and lists its next dates', async ({ open }) => {
  const series = {
    title: `Permanence France services ${RUN}`,
    startDate: '2027-10-19',
    startTime: '09:30',
    endTime: '11:30',
    repeat: 'Chaque semaine',
    weekdays: ['mardi'],
    count: '4',
    exceptions: '2027-11-02',
    place: 'Maison France services',
    city: 'Decazeville',
  };
  const organiser = await signedIn(open, claire);
  const page = organiser.page;
  await openForm(organiser);
  await fillEvent(page, series);
  await organiser.follow(() => page.getByRole('button', { name: PUBLISH }).click());
  assert.match(pathOf(page), /^\/events\/[0-9]+$/);
  const path = pathOf(page);
  await page.getByRole('heading', { level: 1, name: series.title }).waitFor();
  const when = page.getByRole('region', { name: 'Quand' });
  const rhythm = squash(await when.getByRole('paragraph').first().innerText());
  assert.ok(rhythm.startsWith('chaque mardi, 09:30–11:30 (heure de Paris), à partir du mar. 19 oct. 2027'), rhythm);
  await when.getByRole('heading', { level: 3, name: 'Prochaines dates' }).waitFor();
  const dates = when.getByRole('list').getByRole('listitem');
  // Four Tuesdays counted, the 2nd of November off; 09:30 in Paris on both sides of the change
  // of hour (31 October 2027).
  assert.deepEqual(await dates.allInnerTexts(), [
    'mar. 19 oct. 2027, 09:30–11:30 (heure de Paris)',
    'mar. 26 oct. 2027, 09:30–11:30 (heure de Paris)',
    'mar. 9 nov. 2027, 09:30–11:30 (heure de Paris)',
  ]);
  assert.deepEqual(await dates.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime'))), [
    '2027-10-19T09:30:00+02:00',
    '2027-10-26T09:30:00+02:00',
    '2027-11-09T09:30:00+01:00',
  ]);
  const { text } = await download(page, `${path}/calendar.ics`);
  const ics = text.replace(/\r\n[ \t]/g, '');
  assert.match(ics, /\r\nRRULE:FREQ=WEEKLY;[^\r]*BYDAY=TU/);
  assert.match(ics, /\r\nRRULE:[^\r]*COUNT=4/);
  assert.match(ics, /\r\nEXDATE;TZID=Europe\/Paris:20271102T093000\r\n/);

  // The list shows each session under its day; the 2nd of November has none.
  await organiser.go('/events?city=decazeville');
  for (const day of ['mardi 19 octobre 2027', 'mardi 26 octobre 2027', 'mardi 9 novembre 2027']) {
    const section = page.getByRole('main').locator('section').filter({ has: page.getByRole('heading', { level: 2, name: day }) });
    assert.equal(await listed(page, series.title, section).count(), 1, `a session on ${day}`);
  }
  assert.equal(await page.getByRole('heading', { level: 2, name: 'mardi 2 novembre 2027' }).count(), 0, 'no session on the day off');
  await organiser.go('/events/day/2027-11-02');
  assert.equal(await listed(page, series.title).count(), 0, 'the day off is empty');
  await organiser.go('/events/month?m=2027-11');
  const table = page.getByRole('table', { name: 'Calendrier du mois : novembre 2027' });
  const cellOf = (label) => table.getByRole('cell').filter({ has: page.getByRole('link', { name: label, exact: true }) });
  assert.equal(await cellOf('9 novembre 2027').getByRole('link', { name: `09:30–11:30 ${series.title}` }).count(), 1);
  assert.equal(await cellOf('2 novembre 2027').getByRole('link', { name: new RegExp(escapeRegExp(series.title)) }).count(), 0);
});

// ---------------------------------------------------------------------------------------------
// Keyboard only

/** The order of a date field's parts in this browser (its own language decides it). */
let dateOrderPromise;
function dateOrder() {
  dateOrderPromise ??= (async () => {
    const context = await (await browser()).newContext();
    try {
      const page = await context.newPage();
      await page.setContent('<input type="date" id="d">');
      await page.locator('#d').focus();
      await page.keyboard.type('01022033');
      const value = await page.locator('#d').inputValue();
      if (value === '2033-02-01') return ['day', 'month', 'year'];
      if (value === '2033-01-02') return ['month', 'day', 'year'];
      throw new Error(`unexpected order of a date field's parts: ${value}`);
    } finally {
      await context.close();
    }
  })();
  return dateOrderPromise;
}

/** Types an ISO date into the date field that has the focus, on its first part. */
async function typeDate(page, iso) {
  const [year, month, day] = iso.split('-');
  const parts = { year, month, day };
  for (const part of await dateOrder()) await page.keyboard.type(parts[part]);
  assert.equal(await page.evaluate(() => document.activeElement.value), iso, 'the date typed');
}

/**
 * The focus is visible: as the harness checks it, or, on the calendar button that Chromium puts
 * inside date and time fields (the field itself is then :focus-within, not :focus-visible), by
 * the field's own outline.
 */
async function assertFocusShown(page, where) {
  const f = await focused(page);
  const inner = await page.evaluate(() => {
    const el = document.activeElement;
    return ['date', 'time'].includes(el?.type) && !el.matches(':focus') && el.matches(':focus-within');
  });
  if (!inner) return assertFocusVisible(page, where);
  assert.ok(f.visible, `${where}: the ${f.id} field shows a focus outline while its calendar button has the focus (${f.outline})`);
  assert.ok(f.onScreen, `${where}: ${f.id} is on screen`);
  return f;
}

/**
 * Like the harness's tabUntil, through date and time fields too: presses Tab until
 * `matches(focused)`, the focus visible at every stop.
 */
async function tabUntilShown(page, matches, { shift = false, max = 40, where = 'tab' } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const f = await assertFocusShown(page, `${where} #${i + 1}`);
    if (matches(f) && (await page.evaluate(() => document.activeElement.matches(':focus')))) return f;
  }
  assert.fail(`${where}: not reached after ${max} presses of ${shift ? 'Shift+Tab' : 'Tab'}`);
}

/** Presses Tab until the field `id` has the focus (on its first part for a date or a time). */
function tabTo(page, id, { max = 12 } = {}) {
  return tabUntilShown(page, (f) => f.id === id, { max, where: `to #${id}` });
}

flow('with the keyboard only: propose an event (radios, checkboxes, an error on the way) and register', async ({ open }) => {
  const e = { ...cafe, title: `Café numérique ${RUN} au clavier`, startDate: '2027-06-17' };
  const organiser = await signedIn(open, claire);
  const page = organiser.page;
  const keyboard = page.keyboard;
  await organiser.go('/events');
  let f = await tabUntil(page, (x) => x.href === '/events/new', { where: 'list, to propose', max: 60 });
  assert.equal(f.text, 'Proposer un évènement');
  await organiser.follow(() => keyboard.press('Enter'));
  assert.equal(pathOf(page), '/events/new');

  // What, when: typed field after field.
  f = await tabUntil(page, (x) => x.id === 'title', { where: 'to the title' });
  await keyboard.type(e.title);
  await tabTo(page, 'description');
  await keyboard.type('Venez avec votre smartphone.');
  await tabTo(page, 'tags');
  await keyboard.type(e.tags);
  await tabTo(page, 'start_date');
  await typeDate(page, e.startDate);
  await tabTo(page, 'start_time');
  await keyboard.type('1400');
  await tabTo(page, 'end_date');
  await tabTo(page, 'end_time');
  await keyboard.type('1600');
  assert.equal(await page.locator('#end_time').inputValue(), '16:00');
  // The all-day box: Space ticks it and unticks it.
  await tabTo(page, 'all_day');
  await keyboard.press('Space');
  assert.ok(await page.locator('#all_day').isChecked(), 'Space ticks the box');
  await keyboard.press('Space');
  assert.ok(!(await page.locator('#all_day').isChecked()), 'Space unticks it');
  await tabTo(page, 'time_zone');
  assert.equal(await page.locator('#time_zone').inputValue(), 'Europe/Paris');
  // Past the repetition and the place, to publish: the place is missing.
  f = await tabUntilShown(page, (x) => x.tag === 'button' && x.text === PUBLISH, { where: 'to publish', max: 60 });
  await organiser.follow(() => keyboard.press('Enter'), { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  assert.equal(await page.locator('#start_date').inputValue(), e.startDate, 'the date is kept');
  assert.equal(await page.locator('#start_time').inputValue(), '14:00', 'the hour is kept');
  f = await tabUntil(page, (x) => x.href === '#place_name', { where: 'to the error summary' });
  await keyboard.press('Enter');
  f = await assertFocusVisible(page, 'the summary link moved the focus');
  assert.equal(f.id, 'place_name');

  // Where, and registration: a radio chosen with the arrow keys, a number, a box left ticked.
  await keyboard.type(e.place);
  await tabTo(page, 'street');
  await keyboard.type(e.street);
  await tabTo(page, 'postal_code');
  await keyboard.type(e.postalCode);
  await tabTo(page, 'city');
  await keyboard.type(e.city);
  await tabTo(page, 'accessibility');
  await keyboard.type(e.accessibility);
  f = await tabTo(page, 'organiser_kind', { max: 6 });
  assert.ok(await page.locator('#organiser_kind').isChecked(), 'Tab lands on the chosen radio');
  await keyboard.press('ArrowDown');
  f = await assertFocusVisible(page, 'the next radio');
  assert.equal(f.id, 'organiser_kind-member');
  assert.ok(await page.getByRole('radio', { name: 'Un membre du hub : la personne qui publie' }).isChecked(), 'the arrow chose it');
  await tabTo(page, 'organiser_name');
  f = await tabTo(page, 'registration');
  await keyboard.press('ArrowDown');
  f = await assertFocusVisible(page, 'to "Sur inscription"');
  assert.equal(f.id, 'registration-open');
  assert.ok(await page.getByRole('radio', { name: 'Sur inscription' }).isChecked());
  await tabTo(page, 'capacity');
  await keyboard.type(e.capacity);
  await tabTo(page, 'waiting_list');
  assert.ok(await page.locator('#waiting_list').isChecked(), 'the waiting list, ticked by default');
  await keyboard.press('Tab');
  f = await assertFocusVisible(page, 'to publish');
  assert.equal(f.text, PUBLISH);
  await organiser.follow(() => keyboard.press('Space'));
  assert.match(pathOf(page), /^\/events\/[0-9]+$/);
  const path = pathOf(page);
  await page.getByRole('heading', { level: 1, name: e.title }).waitFor();
  assert.equal(squash(await page.getByRole('region', { name: 'Quand' }).getByRole('paragraph').first().innerText()), 'jeu. 17 juin 2027, 14:00–16:00 (heure de Paris)');
  assert.match(await page.getByRole('main').locator('p.meta').first().innerText(), new RegExp(`Organisé par ${claire.displayName}`));
  assert.match(await registrationText(page), /2 place\(s\) restante\(s\)/);

  // Back with Shift+Tab from the registration button to "Ajouter à mon agenda"; then register.
  f = await tabUntil(page, (x) => x.tag === 'button' && x.text === "M'inscrire", { where: 'to register', max: 60 });
  f = await tabUntil(page, (x) => x.href === `${path}/calendar.ics`, { shift: true, where: 'back to the .ics' });
  f = await tabUntil(page, (x) => x.tag === 'button' && x.text === "M'inscrire", { where: 'to register again' });
  await organiser.follow(() => keyboard.press('Enter'));
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'registered_confirmed');
  assert.match(await registrationText(page), /1 place\(s\) restante\(s\)/);
});

// ---------------------------------------------------------------------------------------------
// Without JavaScript

flow('without JavaScript: propose an event, register, and the waiting list', async ({ open }) => {
  const e = {
    ...cafe,
    title: `Atelier Ameli ${RUN} sans JavaScript`,
    tags: 'Ameli',
    startDate: '2027-06-24',
    startTime: '10:00',
    endTime: '09:00', // before the start: refused
    capacity: '1',
  };
  const organiser = await signedIn(open, claire, NO_JS);
  let page = organiser.page;
  await openForm(organiser);
  await fillEvent(page, e);
  await organiser.follow(() => page.getByRole('button', { name: PUBLISH }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  const summary = page.getByRole('alert');
  assert.equal(squash(await summary.getByRole('link').innerText()), 'Fin : La fin doit venir après le début.');
  assert.equal(await summary.getByRole('link').getAttribute('href'), '#end');
  // The error about the end is read with both end fields.
  for (const field of ['end_date', 'end_time']) {
    const a11y = await organiser.page.locator(`[id="${field}"]`).getAttribute('aria-describedby');
    assert.ok((a11y || '').split(/\s+/).includes('end'), `${field} is described by the end's error: ${a11y}`);
    assert.equal(await page.locator(`[id="${field}"]`).getAttribute('aria-invalid'), 'true', `${field} is invalid`);
  }
  assert.equal(await page.getByRole('textbox', { name: /^Titre/ }).inputValue(), e.title, 'the title is kept');
  assert.equal(await page.getByRole('radio', { name: 'Sur inscription' }).isChecked(), true, 'the choice is kept');
  await page.getByLabel('Heure de fin').fill('12:00');
  await organiser.follow(() => page.getByRole('button', { name: PUBLISH }).click());
  assert.match(pathOf(page), /^\/events\/[0-9]+$/);
  const path = pathOf(page);
  await page.getByRole('heading', { level: 1, name: e.title }).waitFor();
  assert.equal(squash(await page.getByRole('region', { name: 'Quand' }).getByRole('paragraph').first().innerText()), 'jeu. 24 juin 2027, 10:00–12:00 (heure de Paris)');

  // Driss registers: a plain form.
  const member = await signedIn(open, driss, NO_JS);
  page = member.page;
  await member.go('/events?tag=ameli');
  await member.follow(() => page.getByRole('link', { name: e.title }).click());
  assert.equal(pathOf(page), path);
  assert.match(await registrationText(page), /0 personne\(s\) inscrite\(s\) pour 1 places\. 1 place\(s\) restante\(s\)/);
  await member.follow(() => page.getByRole('button', { name: "M'inscrire" }).click());
  assert.equal(await page.getByRole('status').innerText(), "C'est noté : votre inscription est confirmée.");
  assert.match(await registrationText(page), /Complet/);

  // The organiser adds someone by phone: full, so on the waiting list.
  page = organiser.page;
  await organiser.go(path);
  await organiser.follow(() => page.getByRole('link', { name: 'Voir la liste des inscriptions' }).click());
  const add = page.getByRole('region', { name: 'Inscrire une personne sans compte' });
  await add.getByRole('textbox', { name: /^Nom de la personne/ }).fill(offline.name);
  await add.getByRole('textbox', { name: 'Contact' }).fill(offline.contact);
  await organiser.follow(() => add.getByRole('button', { name: 'Inscrire', exact: true }).click());
  const table = page.getByRole('table', { name: 'Personnes inscrites' });
  const waiting = table.getByRole('row', { name: new RegExp(`^${offline.name}`) });
  assert.equal((await waiting.getByRole('cell').allInnerTexts())[0], "Liste d'attente");
  assert.match(squash(await page.getByRole('main').innerText()), /1 inscription\(s\) confirmée\(s\), 1 sur liste d'attente/);

  // Driss withdraws: the person waiting gets the place.
  await member.follow(() => member.page.getByRole('button', { name: 'Annuler mon inscription' }).click());
  assert.equal(await member.page.getByRole('status').innerText(), 'Votre inscription est annulée.');
  await organiser.go(`${path}/registrations`);
  assert.equal((await waiting.getByRole('cell').allInnerTexts())[0], 'Confirmée', 'promoted from the waiting list');
  assert.equal(await table.getByRole('row', { name: new RegExp(`^${driss.displayName}`) }).count(), 0);

  // The café is full (two places for two people): the organiser herself joins its waiting list.
  page = organiser.page;
  await organiser.go(cafePath);
  assert.match(await registrationText(page), /Complet/);
  await organiser.follow(() => page.getByRole('button', { name: "M'inscrire sur la liste d'attente" }).click());
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'registered_waiting');
  assert.match(await page.getByRole('status').innerText(), /^L'évènement est complet : vous êtes sur la liste d'attente\./);
  assert.match(await registrationText(page), /Vous êtes sur la liste d'attente\./);
  await organiser.follow(() => page.getByRole('button', { name: "Quitter la liste d'attente" }).click());
  assert.equal(new URL(page.url()).searchParams.get('notice'), 'unregistered');
  await page.getByRole('button', { name: "M'inscrire sur la liste d'attente" }).waitFor();
});
