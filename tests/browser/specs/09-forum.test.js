// The forum: the admin creates a category; a member asks a question (after an empty form's
// errors), a second member answers it quoting it, the author marks the solution; search finds it
// by another form of a word; the filters; a report, which a moderator (the admin) resolves after
// locking the topic; the notifications and their unread badge. Then the same asking and answering
// with the keyboard only, and without JavaScript; last, the notification settings. The flows share
// the category and members made in the first ones, in file order.
import assert from 'node:assert/strict';

import {
  ADMIN,
  PASSWORD,
  RUN,
  approvedMember,
  assertFieldError,
  assertFocusVisible,
  flow,
  signIn,
  tabUntil,
} from '../lib/harness.js';

const NO_JS = { javaScriptEnabled: false };
const REQUIRED = 'Ce champ est obligatoire.';

const category = {
  name: `Entraide CAF ${RUN}`,
  slug: `entraide-caf-${RUN}`,
  description: 'Les questions sur les **allocations** et les aides au logement.',
  rules: 'Jamais de numéro d\'allocataire ni de nom de personne accompagnée.',
};
const amina = { username: `amina_${RUN}`, displayName: 'Amina Diallo' };
const bruno = { username: `bruno_${RUN}`, displayName: 'Bruno Petit' };
// "Démarches" here, "demarche" in the search: folded and stemmed, they meet.
const question = {
  title: `Démarches CAF en ligne ${RUN} : par où commencer ?`,
  body: 'Une personne accompagnée doit déclarer ses ressources trimestrielles. Quelles démarches faire en premier ?',
  tags: 'CAF, Aidants Connect',
};
const answer = 'Créez d\'abord son espace personnel sur caf.fr avec FranceConnect, puis faites la déclaration ensemble.';
const reportReason = `Le message donne des détails sur la situation de la personne (${RUN}).`;
/** Set by the asking flow: /forum/t/{id} of the question. */
let topicPath = '';

const pathOf = (page) => new URL(page.url()).pathname;

/** An existing member (approved by an earlier flow) signed in, in a new session. */
async function signedIn(open, who, options) {
  const s = await open(who.username, options);
  await s.go('/login');
  await signIn(s, who.username, PASSWORD);
  return s;
}

/** The `<article>` of a post, by its author's name (the first one if several). */
function postBy(page, name) {
  return page.getByRole('article', { name: new RegExp(`^${name}`) }).first();
}

/**
 * On the new question page: sends it empty, checks the server's answer (422, "Erreur :" title,
 * the summary, each error tied to its field); the summary's link takes the focus to the field.
 */
async function askEmptyQuestion(s) {
  const page = s.page;
  await s.follow(() => page.getByRole('button', { name: 'Publier la question' }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/, 'the title says the form has errors');
  const summary = page.getByRole('alert');
  assert.match(await summary.innerText(), /Le formulaire contient des erreurs/);
  // Each link says which field (both messages are the same). Sorted: the summary lists the
  // fields by name, not in the form's order (Viewer::field_errors is a BTreeMap).
  const links = await summary.getByRole('link').evaluateAll((as) => as.map((a) => `${a.getAttribute('href')} ${a.textContent}`));
  assert.deepEqual(
    links.sort(),
    [`#body Message : ${REQUIRED}`, `#title Titre de la question : ${REQUIRED}`],
    'the summary links to each field in error, by its name',
  );
  const title = await assertFieldError(page, 'title', REQUIRED);
  assert.match(title.name, /Titre de la question/, 'the title keeps its label as its name');
  assert.match(title.description, /Une phrase qui résume la situation/, 'the hint stays tied to the title');
  const body = await assertFieldError(page, 'body', REQUIRED);
  assert.equal(body.name, 'Message (obligatoire)', 'the body keeps its label as its name, and says it is required');
  assert.equal(await page.locator('#tags').getAttribute('aria-invalid'), null, 'the tags are fine');
}

async function fillQuestion(page, q) {
  await page.getByRole('textbox', { name: /^Titre de la question/ }).fill(q.title);
  await page.getByRole('textbox', { name: /^Message/ }).fill(q.body);
  await page.getByRole('textbox', { name: /^Étiquettes/ }).fill(q.tags);
}

flow('the admin creates a forum category from the administration', async ({ open }) => {
  const admin = await open('admin');
  const page = admin.page;
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Administration' }).click());
  await admin.follow(() => page.getByRole('main').getByRole('link', { name: 'Catégories du forum' }).click());
  assert.equal(pathOf(page), '/admin/forum');
  await page.getByRole('heading', { level: 1, name: 'Catégories du forum' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Nouvelle catégorie' }).waitFor();

  // An identifier with capitals and spaces: refused on its field, the rest kept.
  await page.getByRole('textbox', { name: /^Nom/ }).fill(category.name);
  await page.getByRole('textbox', { name: /^Identifiant/ }).fill('Entraide CAF');
  await admin.follow(() => page.getByRole('button', { name: 'Créer la catégorie' }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  assert.match(await page.getByRole('alert').getByRole('link').innerText(), /^Identifiant : L'identifiant ne peut contenir/);
  const slug = await assertFieldError(page, 'slug', "L'identifiant ne peut contenir que des lettres minuscules");
  assert.match(slug.description, /il forme l'adresse que l'on suit depuis Mastodon/, 'the hint stays tied to the field');
  assert.equal(await page.getByRole('textbox', { name: /^Nom/ }).inputValue(), category.name, 'the name is kept');

  await page.getByRole('textbox', { name: /^Identifiant/ }).fill(category.slug);
  await page.getByRole('textbox', { name: /^Description/ }).fill(category.description);
  await page.getByRole('textbox', { name: /^Règles de la catégorie/ }).fill(category.rules);
  await page.getByRole('spinbutton', { name: 'Ordre' }).fill('1');
  await admin.follow(() => page.getByRole('button', { name: 'Créer la catégorie' }).click());
  assert.equal(pathOf(page), '/admin/forum');
  const row = page.getByRole('row', { name: new RegExp(category.name) });
  assert.match(await row.innerText(), new RegExp(`@${category.slug}@`), 'the federated handle');

  // The forum lists it, with its description, and its page shows its rules.
  await admin.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Forum' }).click());
  assert.equal(pathOf(page), '/forum');
  const table = page.getByRole('table', { name: 'Catégories' });
  await table.getByRole('rowheader', { name: new RegExp(category.name) }).waitFor();
  assert.equal(await table.locator('strong', { hasText: 'allocations' }).count(), 1, 'the description in Markdown');
  await admin.follow(() => table.getByRole('link', { name: category.name }).click());
  assert.equal(pathOf(page), `/forum/c/${category.slug}`);
  await page.getByRole('heading', { level: 1, name: category.name }).waitFor();
  await page.getByRole('main').locator('summary', { hasText: 'Règles de la catégorie' }).click();
  assert.match(await page.getByRole('main').innerText(), /Jamais de numéro d'allocataire/);
  assert.match(await page.getByRole('status').innerText(), /^0 discussion/);
  assert.match(await page.getByRole('main').innerText(), /Aucune discussion ici pour l'instant/);
});

flow('a member asks a question, another answers quoting it, the author marks the solution', async ({ open }) => {
  // Amina asks, from the forum's home.
  const asker = await approvedMember(open, amina.username, { displayName: amina.displayName });
  let page = asker.page;
  await asker.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Forum' }).click());
  await asker.follow(() => page.getByRole('table', { name: 'Catégories' }).getByRole('link', { name: category.name }).click());
  await asker.follow(() => page.getByRole('link', { name: 'Poser une question' }).click());
  assert.equal(pathOf(page), `/forum/c/${category.slug}/new`);
  await page.getByRole('heading', { level: 1, name: 'Poser une question' }).waitFor();
  const crumbs = page.getByRole('navigation', { name: "Fil d'Ariane" });
  assert.deepEqual(await crumbs.getByRole('link').allInnerTexts(), ['Forum', category.name]);

  await askEmptyQuestion(asker);
  await page.getByRole('alert').locator('a[href="#title"]').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'title', 'the summary link focuses the field');

  await fillQuestion(page, question);
  await asker.follow(() => page.getByRole('button', { name: 'Publier la question' }).click());
  assert.match(pathOf(page), /^\/forum\/t\/[0-9]+$/);
  topicPath = pathOf(page);
  await page.getByRole('heading', { level: 1, name: question.title }).waitFor();
  const tags = await page.getByRole('list', { name: 'Étiquettes' }).first().getByRole('link').allInnerTexts();
  assert.deepEqual(tags.sort(), ['#aidants-connect', '#caf'], 'the tags, folded');
  const opening = postBy(page, amina.displayName);
  assert.match(await opening.innerText(), /déclarer ses ressources trimestrielles/);
  // Her own post: she may edit it, not report it.
  assert.equal(await opening.getByRole('link', { name: 'Modifier' }).count(), 1);
  assert.equal(await opening.getByRole('link', { name: 'Signaler' }).count(), 0);
  assert.equal(await opening.getByRole('button', { name: /^Marquer comme solution/ }).count(), 0, 'no solution on the question');
  await page.getByRole('heading', { level: 2, name: '0 réponse(s)' }).waitFor();
  const opener = await opening.getAttribute('id');

  // Her questions.
  await asker.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Forum' }).click());
  await asker.follow(() => page.getByRole('main').getByRole('link', { name: 'Mes questions' }).click());
  assert.equal(pathOf(page), '/forum/mine');
  await page.getByRole('heading', { level: 1, name: 'Mes questions' }).waitFor();
  await page.getByRole('heading', { level: 3, name: question.title }).waitFor();

  // Bruno finds it among the unanswered questions of the category.
  const helper = await approvedMember(open, bruno.username, { displayName: bruno.displayName });
  page = helper.page;
  await helper.go(`/forum/c/${category.slug}`);
  // He asks to be told of the category's new questions (the keyboard flow asks one).
  await helper.follow(() => page.getByRole('button', { name: 'Être prévenu·e des nouvelles discussions' }).click());
  assert.equal(pathOf(page), `/forum/c/${category.slug}`);
  await page.getByRole('button', { name: 'Ne plus être prévenu·e des nouvelles discussions' }).waitFor();
  const filters = page.getByRole('navigation', { name: 'Filtrer les discussions' });
  await helper.follow(() => filters.getByRole('link', { name: 'Sans réponse' }).click());
  assert.equal(new URL(page.url()).searchParams.get('filter'), 'unanswered');
  assert.equal(await filters.getByRole('link', { name: 'Sans réponse' }).getAttribute('aria-current'), 'page');
  await helper.follow(() => page.getByRole('main').getByRole('link', { name: question.title }).click());
  assert.equal(pathOf(page), topicPath);

  // He thanks her, then quotes her question in his answer.
  const asked = postBy(page, amina.displayName);
  const thanks = asked.getByRole('button', { name: /^Merci !/ });
  assert.equal(await thanks.getAttribute('aria-pressed'), 'false');
  await helper.follow(() => thanks.click());
  const thanked = postBy(page, amina.displayName).getByRole('button', { name: /^Retirer mon merci/ });
  assert.equal(await thanked.getAttribute('aria-pressed'), 'true', 'the button says it is pressed');
  assert.match(await postBy(page, amina.displayName).innerText(), /1 « merci »/);
  await helper.follow(() => postBy(page, amina.displayName).getByRole('link', { name: /^Citer/ }).click());
  assert.equal(new URL(page.url()).searchParams.get('quote'), opener.slice(1));
  const reply = page.getByRole('region', { name: 'Votre réponse' });
  assert.match(await reply.innerText(), /Vous répondez à un message/);
  const body = reply.getByRole('textbox', { name: /^Message/ });
  const quoted = await body.inputValue();
  assert.match(quoted, /^> Une personne accompagnée doit déclarer/, 'the quote is in the answer');
  assert.match(quoted, new RegExp(`> — ${amina.displayName}`), 'with its author');
  await body.fill(`${quoted}${answer}`);
  await helper.follow(() => reply.getByRole('button', { name: 'Envoyer la réponse' }).click());
  assert.equal(pathOf(page), topicPath);
  const answerId = new URL(page.url()).hash.slice(1);
  assert.match(answerId, /^p[0-9]+$/, 'sent to the new answer');
  const answered = page.locator(`article#${answerId}`);
  assert.match(await answered.locator('blockquote').innerText(), /déclarer ses ressources trimestrielles/);
  assert.match(await answered.innerText(), /FranceConnect/);
  await page.getByRole('heading', { level: 2, name: '1 réponse(s)' }).waitFor();

  // Amina's header says she has unread notifications; the page lists the answer.
  page = asker.page;
  await asker.go(topicPath);
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  const bell = nav.getByRole('link', { name: /^Notifications/ });
  assert.match((await bell.textContent()).replace(/\s+/g, ' ').trim(), /^Notifications [1-9][0-9]* non lues$/, 'the unread badge');
  assert.match(await page.locator('.site-header .badge').innerText(), /^2/, 'two unread: the thanks and the answer');
  await asker.follow(() => bell.click());
  assert.equal(pathOf(page), '/notifications');
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  const replied = page.getByRole('listitem').filter({ hasText: `${bruno.displayName} a répondu à votre question « ${question.title} »` });
  assert.equal(await replied.count(), 1, 'the answer notification');
  assert.match(await replied.innerText(), /Nouveau/);
  assert.equal(await page.getByRole('listitem').filter({ hasText: `${bruno.displayName} vous dit merci` }).count(), 1);
  await asker.follow(() => page.getByRole('button', { name: 'Tout marquer comme lu' }).click());
  assert.equal(pathOf(page), '/notifications');
  assert.equal(await page.locator('.site-header .badge').count(), 0, 'no badge once read');
  assert.equal(await nav.getByRole('link', { name: 'Notifications', exact: true }).count(), 1);
  assert.doesNotMatch(await page.getByRole('main').innerText(), /Nouveau/);

  // From the notification to the answer, which she marks as the solution.
  await asker.go('/notifications');
  await asker.follow(() => replied.getByRole('link').click());
  assert.equal(pathOf(page), topicPath);
  assert.equal(new URL(page.url()).hash, `#${answerId}`);
  await asker.follow(() => page.locator(`article#${answerId}`).getByRole('button', { name: /^Marquer comme solution/ }).click());
  const meta = page.getByRole('main').locator(':scope > p.meta');
  assert.match(await meta.innerText(), /Résolu/, 'the topic says it is solved');
  const solution = page.getByRole('region', { name: 'Solution' });
  assert.match(await solution.innerText(), /Réponse marquée comme solution/);
  assert.match(await solution.innerText(), /FranceConnect/);
  assert.match(await solution.getByRole('article').innerText(), new RegExp(bruno.displayName));
  await solution.getByRole('button', { name: 'Retirer la solution' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Marquer comme solution/ }).count(), 0);

  // Bruno is told too.
  await helper.go('/notifications');
  assert.equal(
    await helper.page.getByRole('listitem').filter({ hasText: `${amina.displayName} a marqué votre réponse comme solution` }).count(),
    1,
  );
});

flow('a visitor searches without accents or plural, reads the solved topic, uses the filters', async ({ open }) => {
  assert.ok(topicPath, 'the question was asked');
  const visitor = await open('visitor');
  const page = visitor.page;
  await visitor.go('/');
  await visitor.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Forum' }).click());
  await page.getByRole('search', { name: 'Recherche dans le forum' }).waitFor();
  await page.getByRole('searchbox', { name: 'Rechercher dans le forum' }).fill('demarche');
  await visitor.follow(() => page.getByRole('button', { name: 'Rechercher' }).click());
  assert.equal(pathOf(page), '/forum/search');
  assert.equal(new URL(page.url()).searchParams.get('q'), 'demarche');
  assert.match(await page.getByRole('status').innerText(), /^[1-9][0-9]* résultat\(s\)/);
  assert.equal(await page.getByRole('searchbox', { name: 'Rechercher dans le forum' }).inputValue(), 'demarche', 'the query is kept');
  // One result a post: the question (and the answer, which quotes it).
  const hit = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: question.title }) }).filter({ hasText: `par ${amina.displayName} ·` });
  assert.equal(await hit.count(), 1, 'the question is found');
  assert.match(await hit.innerText(), /Résolu/);

  // Nothing found: said so.
  await page.getByRole('searchbox', { name: 'Rechercher dans le forum' }).fill(`introuvable${RUN}`);
  await visitor.follow(() => page.getByRole('button', { name: 'Rechercher' }).click());
  assert.match(await page.getByRole('status').innerText(), /^0 résultat/);
  assert.match(await page.getByRole('main').innerText(), /Aucun message ne contient tous ces mots/);

  // The topic, as a visitor: the answer is the solution; no form, a sign-in link instead.
  await visitor.go('/forum/search?q=demarche');
  await visitor.follow(() => page.getByRole('main').getByRole('link', { name: question.title }).first().click());
  assert.equal(pathOf(page), topicPath);
  await page.getByRole('region', { name: 'Solution' }).waitFor();
  assert.equal(await page.getByRole('button').filter({ hasText: /Merci|Marquer/ }).count(), 0, 'no buttons for a visitor');
  const reply = page.getByRole('region', { name: 'Votre réponse' });
  assert.equal(await reply.getByRole('textbox').count(), 0);
  assert.equal(await reply.getByRole('link', { name: 'Se connecter pour répondre' }).getAttribute('href'), `/login?next=${topicPath}`);

  // A long title and a quote still fit a small phone.
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await visitor.screenshot('forum-topic-360');
  assert.ok(overflow <= 0, `the topic at 360px: ${overflow}px of sideways scrolling`);
  await page.setViewportSize({ width: 1280, height: 800 });

  // Its tag lists it.
  await visitor.follow(() => page.getByRole('list', { name: 'Étiquettes' }).first().getByRole('link', { name: '#caf' }).click());
  assert.equal(pathOf(page), '/forum/tags/caf');
  await page.getByRole('heading', { level: 1, name: '#caf' }).waitFor();
  await page.getByRole('heading', { level: 3, name: question.title }).waitFor();

  // The category's filters: solved lists it, unanswered does not.
  await visitor.go(`/forum/c/${category.slug}`);
  assert.equal(await page.getByRole('link', { name: 'Poser une question', exact: true }).count(), 0, 'no ask link for a visitor');
  await page.getByRole('link', { name: 'Se connecter pour poser une question' }).waitFor();
  const filters = page.getByRole('navigation', { name: 'Filtrer les discussions' });
  assert.deepEqual(await filters.getByRole('link').allInnerTexts(), ['Dernières', 'Sans réponse', 'Résolues', 'Non résolues']);
  await visitor.follow(() => filters.getByRole('link', { name: 'Résolues', exact: true }).click());
  assert.equal(new URL(page.url()).searchParams.get('filter'), 'solved');
  assert.equal(await filters.getByRole('link', { name: 'Résolues', exact: true }).getAttribute('aria-current'), 'page');
  const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: question.title }) });
  assert.equal(await item.count(), 1, 'listed as solved');
  assert.match(await item.innerText(), /Résolu/);
  assert.match(await item.innerText(), /1 réponse\(s\)/);
  await visitor.follow(() => filters.getByRole('link', { name: 'Sans réponse' }).click());
  assert.equal(await page.getByRole('heading', { name: question.title }).count(), 0, 'not among the unanswered');
  await visitor.follow(() => filters.getByRole('link', { name: 'Non résolues' }).click());
  assert.equal(await page.getByRole('heading', { name: question.title }).count(), 0, 'not among the unsolved');
});

flow('a member reports a post; a moderator locks the topic and resolves the report', async ({ open }) => {
  assert.ok(topicPath, 'the question was asked');
  const reporter = await signedIn(open, bruno);
  let page = reporter.page;
  await reporter.go(topicPath);
  await reporter.follow(() => postBy(page, amina.displayName).getByRole('link', { name: 'Signaler' }).click());
  assert.match(pathOf(page), /^\/forum\/p\/[0-9]+\/report$/);
  await page.getByRole('heading', { level: 1, name: 'Signaler' }).waitFor();
  assert.match(await page.getByRole('main').innerText(), new RegExp(`Vous signalez ce message de ${amina.displayName}`));
  assert.match(await page.getByRole('main').locator('blockquote').innerText(), /déclarer ses ressources/);
  // Without a reason: refused on its field.
  await reporter.follow(() => page.getByRole('button', { name: 'Envoyer le signalement' }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  assert.match(await page.getByRole('alert').innerText(), /Le formulaire contient des erreurs/);
  await assertFieldError(page, 'reason', REQUIRED);
  await page.getByRole('textbox', { name: 'Pourquoi ce message pose-t-il problème ?' }).fill(reportReason);
  await reporter.follow(() => page.getByRole('button', { name: 'Envoyer le signalement' }).click());
  assert.match(await page.getByRole('status').innerText(), /l'équipe de modération a reçu votre signalement/);
  await reporter.follow(() => page.getByRole('link', { name: 'Revenir à la discussion' }).click());
  assert.equal(pathOf(page), topicPath);

  // The admin moderates: the report is on /moderation, from the navigation.
  const moderator = await open('moderator');
  page = moderator.page;
  await moderator.go('/login');
  await signIn(moderator, ADMIN.username, ADMIN.password);
  await moderator.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Modération' }).click());
  assert.equal(pathOf(page), '/moderation');
  await page.getByRole('heading', { level: 1, name: 'Signalements à traiter' }).waitFor();
  assert.match(await page.getByRole('status').innerText(), /^[1-9][0-9]* signalement\(s\) ouvert\(s\)/);
  let card = page.getByRole('listitem').filter({ hasText: reportReason });
  assert.equal(await card.count(), 1, 'the report is listed');
  assert.match(await card.innerText(), new RegExp(`Signalé par ${bruno.displayName}`));
  assert.match(await card.locator('blockquote').innerText(), /déclarer ses ressources/);

  // To the topic; its moderation tools.
  await moderator.follow(() => card.getByRole('link', { name: question.title }).click());
  assert.equal(pathOf(page), topicPath);
  const tools = page.getByRole('region', { name: 'Modération' });
  await tools.getByRole('button', { name: 'Épingler' }).waitFor();
  assert.equal(await tools.getByRole('combobox', { name: 'Déplacer vers' }).inputValue(), category.slug);
  const opening = postBy(page, amina.displayName);
  await opening.locator('summary', { hasText: 'Retirer (modération)' }).click();
  await opening.getByRole('textbox', { name: "Motif, visible par l'auteur" }).waitFor();
  await opening.getByRole('button', { name: 'Retirer ce message' }).waitFor();
  // Every removal form, once open, is audited too (the solution is shown twice: as the solution
  // and among the answers).
  for (const summary of await page.getByRole('main').locator('details.moderation > summary').all()) {
    if ((await summary.locator('xpath=..').getAttribute('open')) === null) await summary.click();
  }
  const reasons = page.getByRole('textbox', { name: "Motif, visible par l'auteur" });
  assert.equal(await reasons.count(), await page.locator('details.moderation textarea').count(), 'each reason field has its label');
  await moderator.audit();

  // Locked: the answer form gives way to a notice.
  await moderator.follow(() => tools.getByRole('button', { name: 'Verrouiller' }).click());
  assert.equal(pathOf(page), topicPath);
  assert.match(await page.getByRole('main').locator(':scope > p.meta').innerText(), /Verrouillé/);
  const reply = page.getByRole('region', { name: 'Votre réponse' });
  assert.match(await reply.innerText(), /Cette discussion est verrouillée : on ne peut plus y répondre\./);
  assert.equal(await reply.getByRole('textbox').count(), 0, 'no answer form');
  assert.equal(await page.getByRole('link', { name: /^(Répondre|Citer)/ }).count(), 0, 'no answer or quote links');
  await tools.getByRole('button', { name: 'Déverrouiller' }).waitFor();

  // The member sees it locked too.
  await reporter.go(topicPath);
  assert.match(await reporter.page.getByRole('region', { name: 'Votre réponse' }).innerText(), /Cette discussion est verrouillée/);
  assert.equal(await reporter.page.locator('textarea#body').count(), 0);

  // Back to the reports: treated, it leaves the list.
  await moderator.follow(() => page.getByRole('navigation').getByRole('link', { name: 'Modération' }).click());
  card = page.getByRole('listitem').filter({ hasText: reportReason });
  await moderator.follow(() => card.getByRole('button', { name: /^Marquer comme traité/ }).click());
  assert.equal(pathOf(page), '/moderation');
  assert.equal(await page.getByRole('listitem').filter({ hasText: reportReason }).count(), 0, 'the report is treated');

  // A member is refused the moderation page.
  await reporter.go('/moderation', { status: 403 });
  await reporter.page.getByRole('heading', { level: 1, name: 'Accès refusé' }).waitFor();
});

flow('with the keyboard only: ask a question, answer it, mark the solution', async ({ open }) => {
  const q = {
    title: `Scanner un justificatif ${RUN} avec un smartphone ?`,
    body: 'Quelle application gratuite conseillez-vous pour scanner un avis d\'imposition ?',
    tags: 'smartphone',
  };
  const asker = await signedIn(open, amina);
  let page = asker.page;
  const keyboard = page.keyboard;
  await asker.go(`/forum/c/${category.slug}`);

  // To "Poser une question", then the empty form, its summary and back to the title.
  let f = await tabUntil(page, (x) => x.href === `/forum/c/${category.slug}/new`, { where: 'category, to ask' });
  assert.equal(f.text, 'Poser une question');
  await asker.follow(() => keyboard.press('Enter'));
  assert.equal(pathOf(page), `/forum/c/${category.slug}/new`);
  f = await tabUntil(page, (x) => x.tag === 'button' && x.text === 'Publier la question', { where: 'to publish' });
  await asker.follow(() => keyboard.press('Enter'), { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  f = await tabUntil(page, (x) => x.href === '#title', { where: 'to the error summary' });
  await keyboard.press('Enter');
  f = await assertFocusVisible(page, 'the summary link moved the focus');
  assert.equal(f.id, 'title');

  await keyboard.type(q.title);
  await keyboard.press('Tab');
  f = await assertFocusVisible(page, 'title to body');
  assert.equal(f.id, 'body');
  await keyboard.type(q.body);
  await keyboard.press('Tab');
  f = await assertFocusVisible(page, 'body to tags');
  assert.equal(f.id, 'tags');
  await keyboard.type(q.tags);
  await keyboard.press('Tab');
  f = await assertFocusVisible(page, 'tags to publish');
  assert.equal(f.text, 'Publier la question');
  await asker.follow(() => keyboard.press('Space'));
  assert.match(pathOf(page), /^\/forum\/t\/[0-9]+$/);
  const path = pathOf(page);
  await page.getByRole('heading', { level: 1, name: q.title }).waitFor();

  // Bruno, who watches the category, is told; he answers: "Répondre" under the question.
  const helper = await signedIn(open, bruno);
  page = helper.page;
  await helper.go('/notifications');
  const told = page.getByRole('listitem').filter({ hasText: `Nouvelle discussion de ${amina.displayName} : « ${q.title} »` });
  assert.equal(await told.count(), 1, 'the watched category\'s new question');
  f = await tabUntil(page, (x) => x.tag === 'a' && x.text.includes(q.title), { where: 'notifications, to the new question' });
  await helper.follow(() => page.keyboard.press('Enter'));
  assert.equal(pathOf(page), path);
  f = await tabUntil(page, (x) => x.tag === 'a' && x.text.startsWith('Répondre'), { where: 'topic, to answer', max: 60 });
  await helper.follow(() => page.keyboard.press('Enter'));
  assert.ok(new URL(page.url()).searchParams.get('reply_to'), 'answering a post');
  f = await tabUntil(page, (x) => x.id === 'body', { where: 'to the answer field', max: 80 });
  await page.keyboard.type('Une application de scan libre fait très bien l\'affaire, sans compte à créer.');
  await page.keyboard.press('Tab');
  f = await assertFocusVisible(page, 'to send the answer');
  assert.equal(f.text, 'Envoyer la réponse');
  await helper.follow(() => page.keyboard.press('Enter'));
  assert.equal(pathOf(page), path);
  await page.getByRole('heading', { level: 2, name: '1 réponse(s)' }).waitFor();

  // Amina marks it as the solution.
  page = asker.page;
  await asker.go(path);
  f = await tabUntil(page, (x) => x.tag === 'button' && x.text.startsWith('Marquer comme solution'), { where: 'to the solution', max: 80 });
  assert.match(f.text, new RegExp(`— ${bruno.displayName}`), 'the button says whose answer');
  await asker.follow(() => page.keyboard.press('Enter'));
  await page.getByRole('region', { name: 'Solution' }).waitFor();
  assert.match(await page.getByRole('main').locator(':scope > p.meta').innerText(), /Résolu/);
});

flow('without JavaScript: ask, answer with a quote, thank, mark the solution, edit', async ({ open }) => {
  const q = {
    title: `Prendre rendez-vous ${RUN} en préfecture sans imprimante ?`,
    body: 'Le site demande une convocation imprimée. Comment faites-vous à la médiathèque ?',
    tags: 'ANTS',
  };
  const asker = await signedIn(open, amina, NO_JS);
  let page = asker.page;
  await asker.go('/forum');
  await asker.follow(() => page.getByRole('table', { name: 'Catégories' }).getByRole('link', { name: category.name }).click());
  await asker.follow(() => page.getByRole('link', { name: 'Poser une question' }).click());
  await askEmptyQuestion(asker);
  await fillQuestion(page, q);
  await asker.follow(() => page.getByRole('button', { name: 'Publier la question' }).click());
  const path = pathOf(page);
  assert.match(path, /^\/forum\/t\/[0-9]+$/);
  await page.getByRole('heading', { level: 1, name: q.title }).waitFor();

  // Bruno sends an empty answer first: the page again, the error on the field.
  const helper = await signedIn(open, bruno, NO_JS);
  page = helper.page;
  await helper.go(path);
  await helper.follow(() => page.getByRole('button', { name: 'Envoyer la réponse' }).click(), { status: 422 });
  assert.match(await page.title(), /^Erreur :/);
  assert.match(await page.getByRole('alert').innerText(), /Le formulaire contient des erreurs/);
  await assertFieldError(page, 'body', REQUIRED);
  // Thanks and quote, both plain forms and links.
  await helper.follow(() => postBy(page, amina.displayName).getByRole('button', { name: /^Merci !/ }).click());
  assert.equal(await postBy(page, amina.displayName).getByRole('button', { name: /^Retirer mon merci/ }).getAttribute('aria-pressed'), 'true');
  await helper.follow(() => postBy(page, amina.displayName).getByRole('link', { name: /^Citer/ }).click());
  const body = page.locator('textarea#body');
  const quoted = await body.inputValue();
  assert.match(quoted, /^> Le site demande une convocation imprimée/);
  await body.fill(`${quoted}Nous l'envoyons par e-mail à l'accueil, qui l'imprime.`);
  await helper.follow(() => page.getByRole('button', { name: 'Envoyer la réponse' }).click());
  const answerId = new URL(page.url()).hash.slice(1);
  assert.match(await page.locator(`article#${answerId} blockquote`).innerText(), /convocation imprimée/);

  // Amina marks the solution, then corrects her question.
  page = asker.page;
  await asker.go(path);
  await asker.follow(() => page.locator(`article#${answerId}`).getByRole('button', { name: /^Marquer comme solution/ }).click());
  await page.getByRole('region', { name: 'Solution' }).waitFor();
  assert.match(await page.getByRole('main').locator(':scope > p.meta').innerText(), /Résolu/);
  await asker.follow(() => postBy(page, amina.displayName).getByRole('link', { name: 'Modifier' }).click());
  assert.match(pathOf(page), /^\/forum\/p\/[0-9]+\/edit$/);
  await page.getByRole('heading', { level: 1, name: 'Modifier' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: /^Titre de la question/ }).inputValue(), q.title);
  await page.getByRole('textbox', { name: /^Message/ }).fill(`${q.body} (à Bordeaux)`);
  await asker.follow(() => page.getByRole('button', { name: 'Enregistrer' }).click());
  assert.equal(pathOf(page), path);
  const opening = postBy(page, amina.displayName);
  assert.match(await opening.innerText(), /\(à Bordeaux\)/);
  assert.match(await opening.innerText(), /modifié le/);
});

flow('a member chooses which notifications she gets', async ({ open }) => {
  const member = await signedIn(open, amina);
  const page = member.page;
  await member.follow(() => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: /^Notifications/ }).click());
  await member.follow(() => page.getByRole('link', { name: 'Choisir mes notifications' }).click());
  assert.equal(pathOf(page), '/settings/notifications');
  await page.getByRole('heading', { level: 1, name: 'Choisir mes notifications' }).waitFor();
  // Checkboxes in a group whose legend says what they are for; all on by default.
  const group = page.getByRole('group', { name: 'Me prévenir quand…' });
  // The forum's six kinds and the calendar's (a place confirmed).
  assert.equal(await group.getByRole('checkbox').count(), 7);
  for (const box of await group.getByRole('checkbox').all()) assert.ok(await box.isChecked(), 'on by default');
  await group.getByRole('checkbox', { name: "quelqu'un me dit merci" }).uncheck();
  await member.follow(() => page.getByRole('button', { name: 'Enregistrer' }).click());
  assert.equal(pathOf(page), '/settings/notifications');
  assert.equal(new URL(page.url()).searchParams.get('saved'), '1');
  assert.match(await page.getByRole('status').innerText(), /Vos choix de notifications sont enregistrés/, 'said so');
  assert.equal(await page.getByRole('checkbox', { name: "quelqu'un me dit merci" }).isChecked(), false, 'saved off');
  assert.ok(await page.getByRole('checkbox', { name: "quelqu'un répond à une de mes questions" }).isChecked(), 'the others stay on');
});
