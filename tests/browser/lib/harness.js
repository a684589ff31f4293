// Shared helpers of the browser suite: the hub under test, Debian's Chromium, axe, and the
// gestures a person makes (sign up, sign in, approve…). `run` starts the hub and passes its
// address and admin account in the environment; each spec file is one Node process.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with tests/browser/run`);
  return value;
}

export const HUB = env('MAILLAGE_BROWSER_URL').replace(/\/+$/, '');
export const HUB_ORIGIN = new URL(HUB).origin;
export const ADMIN = {
  username: env('MAILLAGE_BROWSER_ADMIN'),
  password: env('MAILLAGE_BROWSER_ADMIN_PASSWORD'),
};
export const ARTIFACTS = process.env.MAILLAGE_BROWSER_ARTIFACTS || path.join(here, '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** A suffix for this process's usernames, so that they never collide on a reused hub. */
export const RUN = Date.now().toString(36).slice(-5);
/** A password good enough for the hub's rules (10 characters at least). */
export const PASSWORD = 'une phrase de passe assez longue';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BLOCKING = new Set(['serious', 'critical']);

// One browser per spec file; each session gets its own context (cookies, cache, storage),
// which playwright creates in a fresh temporary user data dir.
let browserPromise;
export function browser() {
  browserPromise ??= chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return browserPromise;
}
after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

function isHub(url) {
  if (/^(data|blob|about):/.test(url)) return true;
  try {
    return new URL(url).origin === HUB_ORIGIN;
  } catch {
    return false;
  }
}

function formatViolations(url, violations) {
  const lines = [`axe: ${violations.length} serious or critical violation(s) on ${url}`];
  for (const v of violations) {
    lines.push(`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes.slice(0, 5)) {
      lines.push(`      at ${node.target.join(' ')}`);
      lines.push(`         ${node.html.slice(0, 200)}`);
      if (node.failureSummary) lines.push(`         ${node.failureSummary.replace(/\n/g, '\n         ')}`);
    }
    if (v.nodes.length > 5) lines.push(`      … and ${v.nodes.length - 5} more`);
  }
  return lines.join('\n');
}

function slug(text) {
  return text.toLowerCase().normalize('NFD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

/**
 * One person in one browser context. Every document the page loads must be audited (axe and
 * `<html lang>`) before the next one: `go` and `follow` do it, and `finish` checks nothing was
 * missed and that no request went to a host other than the hub.
 */
export class Session {
  constructor(t, name, context, page, options) {
    this.t = t;
    this.name = name;
    this.context = context;
    this.page = page;
    this.javaScriptEnabled = options.javaScriptEnabled;
    this.locale = options.locale;
    /** The language every page should declare in `<html lang>`; tests change it on a switch. */
    this.lang = options.lang;
    this.loads = [];
    this.audited = new Set();
    this.audits = 0;
    this.foreign = [];
    this.transfers = [];
    this.lastNavigation = null;
    this.mirror = null;
  }

  static async open(t, name, { javaScriptEnabled = true, locale = 'fr-FR', lang = 'fr', width = 1280 } = {}) {
    const b = await browser();
    const context = await b.newContext({
      baseURL: HUB,
      locale,
      javaScriptEnabled,
      viewport: { width, height: 800 },
    });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(20_000);
    const page = await context.newPage();
    const session = new Session(t, name, context, page, { javaScriptEnabled, locale, lang });
    // Nothing may leave for another host: record it (to fail the test) and never send it. The
    // context's request event is the page's, for every page of this context.
    // Routing also turns the HTTP cache off, so every page is weighed as on a first visit.
    context.on('request', (request) => {
      if (!isHub(request.url())) session.foreign.push(`${page.url()} -> ${request.url()}`);
    });
    await context.route('**/*', (route) =>
      isHub(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
    );
    page.on('load', () => session.loads.push(page.url()));
    page.on('response', (response) => {
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) session.lastNavigation = response;
    });
    page.on('requestfinished', (request) => {
      const entry = { url: request.url(), type: request.resourceType() };
      session.transfers.push(
        request.sizes().then(
          (sizes) => ({ ...entry, sizes }),
          () => ({ ...entry, sizes: { responseBodySize: 0, responseHeadersSize: 0 }, unknown: true }),
        ),
      );
    });
    return session;
  }

  /** Opens a page by its address, checks its HTTP status, audits it. */
  async go(pathname, { status = 200 } = {}) {
    const response = await this.page.goto(pathname);
    assert.ok(response, `no response for ${pathname}`);
    assert.equal(response.status(), status, `HTTP status of ${pathname}`);
    await this.audit();
    return response;
  }

  /**
   * Does something that loads a new document (a click on a link, a submitted form, a key),
   * waits for it, checks the status of the final response and audits the new page.
   */
  async follow(action, { status = 200 } = {}) {
    this.lastNavigation = null;
    await Promise.all([this.page.waitForEvent('load'), action()]);
    const response = this.lastNavigation;
    assert.ok(response, `no navigation response after the action (now on ${this.page.url()})`);
    assert.equal(response.status(), status, `HTTP status after the action (now on ${this.page.url()})`);
    await this.audit();
    return response;
  }

  /** Runs axe on the current document; fails on any serious or critical violation. */
  async audit() {
    const page = this.page;
    const url = page.url();
    const htmlLang = await page.locator('html').getAttribute('lang');
    assert.equal(htmlLang, this.lang, `<html lang> of ${url}`);
    assert.equal(await page.locator('h1').count(), 1, `one <h1> on ${url}`);
    assert.ok((await page.title()).trim().length > 0, `a <title> on ${url}`);
    const results = this.javaScriptEnabled ? await this.axe(page) : await this.axeOnCopy(url, await page.content());
    this.audited.add(this.loads.length);
    this.audits += 1;
    const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
    const others = results.violations.filter((v) => !BLOCKING.has(v.impact));
    if (others.length) {
      this.t.diagnostic(`axe (${this.name}) ${url}: ${others.map((v) => `${v.id} [${v.impact}]`).join(', ')}`);
    }
    if (blocking.length) {
      const report = formatViolations(url, blocking);
      console.error(report);
      assert.fail(report);
    }
  }

  async axe(page) {
    return new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  }

  /**
   * axe runs inside the page, which a context without JavaScript refuses: audit the very HTML
   * this person received in a twin context with JavaScript, the hub serving the stylesheet.
   */
  async axeOnCopy(url, html) {
    if (!this.mirror) {
      const context = await (await browser()).newContext({ baseURL: HUB, locale: this.locale, viewport: this.page.viewportSize() });
      await context.route('**/*', (route) =>
        isHub(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
      );
      this.mirror = { context, page: await context.newPage() };
    }
    const { page } = this.mirror;
    await page.setViewportSize(this.page.viewportSize());
    const matcher = (u) => u.href === url;
    await page.route(matcher, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
    try {
      await page.goto(url);
      return await this.axe(page);
    } finally {
      await page.unroute(matcher);
    }
  }

  /** Bytes moved by the requests finished since `since` (an index into `transfers`). */
  async weigh(since = 0) {
    const done = await Promise.all(this.transfers.slice(since));
    const byType = {};
    for (const { type, sizes } of done) {
      byType[type] = (byType[type] || 0) + sizes.responseBodySize + sizes.responseHeadersSize;
    }
    return { byType, requests: done };
  }

  async screenshot(name) {
    const file = path.join(ARTIFACTS, `${slug(name)}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** The checks a session owes at its end: every page audited, no other host contacted. */
  finish() {
    const missed = this.loads.filter((_, i) => !this.audited.has(i + 1));
    assert.deepEqual(missed, [], `pages loaded but never audited (${this.name})`);
    assert.deepEqual(this.foreign, [], `requests to hosts other than the hub (${this.name})`);
  }

  async close() {
    await this.context.close().catch(() => {});
    if (this.mirror) await this.mirror.context.close().catch(() => {});
  }
}

/**
 * A test whose sessions are opened with `open(name, options)`; they are checked and closed at
 * the end, and a failure leaves a screenshot of each session's page in artifacts/.
 */
export function flow(name, fn, { timeout = 180_000 } = {}) {
  test(name, { timeout }, async (t) => {
    const sessions = [];
    const open = async (who, options) => {
      const session = await Session.open(t, who, options);
      sessions.push(session);
      return session;
    };
    try {
      await fn({ t, open });
      for (const session of sessions) session.finish();
      const audits = sessions.reduce((n, s) => n + s.audits, 0);
      t.diagnostic(`${audits} page(s) audited with axe (${AXE_TAGS.join(', ')}): no serious or critical violation`);
    } catch (error) {
      for (const session of sessions) {
        const file = await session.screenshot(`failure-${name}-${session.name}`).catch(() => null);
        if (file) t.diagnostic(`screenshot of ${session.name}'s page: ${file}`);
      }
      throw error;
    } finally {
      for (const session of sessions) await session.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// What a screen reader is told about an element (Chromium's accessibility tree, over CDP).

export async function accessibleOf(page, selector) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    assert.ok(nodeId, `no element ${selector}`);
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
    const node = nodes[0];
    const property = (name) => node.properties?.find((p) => p.name === name)?.value?.value;
    return {
      role: node.role?.value,
      name: node.name?.value ?? '',
      description: node.description?.value ?? '',
      invalid: property('invalid'),
    };
  } finally {
    await cdp.detach();
  }
}

/** A field's error: shown, marked invalid, and read with the field through aria-describedby. */
export async function assertFieldError(page, field, message) {
  const input = page.locator(`[id="${field}"]`);
  const error = page.locator(`[id="${field}-error"]`);
  assert.ok(await error.isVisible(), `the error of ${field} is visible`);
  assert.match(await error.innerText(), new RegExp(escapeRegExp(message)), `the error text of ${field}`);
  assert.equal(await input.getAttribute('aria-invalid'), 'true', `${field} has aria-invalid`);
  const describedBy = ((await input.getAttribute('aria-describedby')) || '').split(/\s+/);
  assert.ok(describedBy.includes(`${field}-error`), `${field}'s aria-describedby names ${field}-error: ${describedBy}`);
  const a11y = await accessibleOf(page, `[id="${field}"]`);
  assert.match(a11y.description, new RegExp(escapeRegExp(message)), `${field}'s accessible description`);
  assert.ok(a11y.invalid && a11y.invalid !== 'false', `${field} is exposed as invalid (${a11y.invalid})`);
  return a11y;
}

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Keyboard

/** Where the keyboard focus is, and whether a sighted person can see it. */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { none: true };
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    return {
      none: false,
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim(),
      href: el.getAttribute('href'),
      focusVisible: el.matches(':focus-visible'),
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
      visible: outline || Boolean(shadow),
      onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth,
    };
  });
}

export async function assertFocusVisible(page, where) {
  const f = await focused(page);
  assert.ok(!f.none, `${where}: something has the focus`);
  assert.ok(f.focusVisible, `${where}: <${f.tag}> "${f.text}" matches :focus-visible`);
  assert.ok(f.visible, `${where}: <${f.tag}> "${f.text}" shows a focus outline (${f.outline})`);
  assert.ok(f.onScreen, `${where}: <${f.tag}> "${f.text}" is on screen`);
  return f;
}

/**
 * Presses Tab (or Shift+Tab) until `matches(focused)`, checking the focus is visible at each stop
 * (unless `quiet`: then it only looks for the stop).
 */
export async function tabUntil(page, matches, { shift = false, max = 40, where = 'tab', quiet = false } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const f = quiet ? await focused(page) : await assertFocusVisible(page, `${where} #${i + 1}`);
    if (!f.none && matches(f)) return f;
  }
  assert.fail(`${where}: not reached after ${max} presses of ${shift ? 'Shift+Tab' : 'Tab'}`);
}

// ---------------------------------------------------------------------------------------------
// Gestures

/** Fills and sends the sign-up form from the sign-up page; returns the response. */
export async function signUp(s, { username, password = PASSWORD, displayName = '', email = '', note = '' }, { status = 200 } = {}) {
  const page = s.page;
  await page.getByLabel("Nom d'utilisateur").fill(username);
  if (displayName) await page.getByLabel('Nom affiché').fill(displayName);
  if (email) await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  if (note && (await page.locator('#registration_note').count())) await page.locator('#registration_note').fill(note);
  if (await page.locator('#accept_rules').count()) await page.locator('#accept_rules').check();
  return s.follow(() => page.getByRole('button', { name: 'Créer mon compte' }).click(), { status });
}

/** Signs in from the sign-in page (French interface). */
export async function signIn(s, username, password, { status = 200 } = {}) {
  const page = s.page;
  await page.getByLabel("Nom d'utilisateur").fill(username);
  await page.getByLabel('Mot de passe').fill(password);
  return s.follow(() => page.getByRole('button', { name: 'Se connecter' }).click(), { status });
}

/** The admin goes to the pending requests from the dashboard and approves `username`. */
export async function approve(admin, username) {
  const page = admin.page;
  await admin.go('/admin');
  await admin.follow(() => page.getByRole('link', { name: "Demandes d'inscription" }).click());
  const card = page.locator('.card', { hasText: `@${username}` });
  assert.equal(await card.count(), 1, `one pending request from @${username}`);
  await admin.follow(() => page.getByRole('button', { name: `Valider le compte ${username}` }).click());
  assert.equal(await page.locator('.card', { hasText: `@${username}` }).count(), 0, `@${username} left the queue`);
}

export async function signOut(s) {
  await s.follow(() => s.page.getByRole('button', { name: /Se déconnecter|Sign out/ }).click());
}

/** A member who signed up, was approved by the admin and is now signed in. */
export async function approvedMember(open, username, details = {}) {
  const member = await open(username);
  await member.go('/signup');
  await signUp(member, { username, ...details });
  await member.page.getByRole('heading', { name: 'Demande envoyée' }).waitFor();
  const admin = await open(`admin-for-${username}`);
  await admin.go('/login');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await approve(admin, username);
  await admin.close();
  await member.go('/login');
  await signIn(member, username, details.password || PASSWORD);
  return member;
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * A small, valid one-page PDF showing `text` (ASCII), as a Buffer: header, objects, a cross-
 * reference table with their real offsets, trailer. Readers open it; the hub sees `%PDF-1.4`.
 */
export function minimalPdf(text) {
  const line = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 18 Tf 72 770 Td (${line}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
