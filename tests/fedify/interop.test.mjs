// Maillage ↔ Fedify: follows both ways, a genuine and forged Create(Note), Undo(Follow).
// Run by ./run, which starts the hub and passes it in MAILLAGE_FEDIFY_* variables. The tests
// of this file run in order and build on each other (the Undo undoes the first Follow).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { fedify, outgoing, realFetch, startPeer, vocab } from "./peer.mjs";

// The test's own requests use Node's fetch as it is; `fetch` (global) is what Fedify uses, logged
// in `outgoing`.
const fetch = realFetch;

const HUB = process.env.MAILLAGE_FEDIFY_HUB;
const ADMIN = process.env.MAILLAGE_FEDIFY_ADMIN;
const ADMIN_PASSWORD = process.env.MAILLAGE_FEDIFY_ADMIN_PASSWORD;
const MEMBER = process.env.MAILLAGE_FEDIFY_MEMBER ?? "alice";
if (!HUB || !ADMIN || !ADMIN_PASSWORD) {
  throw new Error("run this through tests/fedify/run (MAILLAGE_FEDIFY_HUB and the admin's credentials are unset)");
}
const MEMBER_URL = `${HUB}/u/${MEMBER}`;
const INSTANCE_ACTOR = `${HUB}/actor`;
const AS_JSON = "application/activity+json";

let peer;
let token;
let member; // our member as Fedify sees it (a vocab Person)
let peerFollow; // the peer's Follow of our member, undone at the end

/**
 * Polls `probe` until it returns a truthy value, which it returns. After `timeout` ms it throws,
 * with what `seen()` tells of the last state.
 */
async function eventually(probe, { timeout = 15000, interval = 200, what = "the condition", seen = () => "" } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} was not met within ${timeout} ms; last seen: ${seen()}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

async function getActivityJson(url) {
  const response = await fetch(url, { headers: { accept: AS_JSON } });
  assert.equal(response.status, 200, `GET ${url}: ${response.status} ${await response.clone().text()}`);
  assert.match(response.headers.get("content-type") ?? "", /application\/activity\+json/);
  return response.json();
}

async function api(method, path, body) {
  const response = await fetch(`${HUB}${path}`, {
    method,
    headers: {
      accept: "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, json, text };
}

async function federationOverview() {
  const answer = await api("GET", "/api/v1/admin/federation");
  assert.equal(answer.status, 200, `GET /api/v1/admin/federation: ${answer.status} ${answer.text}`);
  return answer.json;
}

const journalEntry = (overview, activityId) =>
  overview.journal.find((entry) => (entry.activity_id ?? entry.id) === activityId);

/** The followers count of our member, as the public collection tells it. */
const memberFollowers = async () => (await getActivityJson(`${MEMBER_URL}/followers`)).totalItems;

/** Fedify's POSTs of one activity to our hub: [{scheme, status, ...}] in order. */
const postsOf = (activityId) =>
  outgoing.filter((entry) => entry.method === "POST" && entry.url.startsWith(HUB) && entry.activity === activityId);

before(async () => {
  peer = await startPeer({ log: Boolean(process.env.MAILLAGE_FEDIFY_LOG) });
  const answer = await api("POST", "/api/v1/tokens", { username: ADMIN, password: ADMIN_PASSWORD, label: "fedify interop" });
  assert.equal(answer.status, 201, `POST /api/v1/tokens: ${answer.status} ${answer.text}`);
  token = answer.json.token;
  assert.ok(token, "a token");
});

after(async () => {
  if (peer?.errors.length) console.error("peer errors:", peer.errors);
  await peer?.close();
});

describe("1. a Fedify actor follows one of our members", () => {
  test("Fedify reads our member's actor", async () => {
    member = await peer.ctx.lookupObject(MEMBER_URL);
    assert.ok(member instanceof vocab.Person, `a Person, not ${member?.constructor.name}`);
    assert.equal(member.id.href, MEMBER_URL);
    assert.equal(member.inboxId?.href, `${MEMBER_URL}/inbox`);
    const key = await member.getPublicKey();
    assert.equal(key?.id?.href, `${MEMBER_URL}#main-key`);
    assert.equal(key?.ownerId?.href, MEMBER_URL);
  });

  test("our Accept reaches Fedify and passes its signature check", async () => {
    peerFollow = new vocab.Follow({ id: peer.newId("follow"), actor: peer.actorUri, object: member.id });
    await peer.ctx.sendActivity({ identifier: "peer" }, member, peerFollow);
    // Fedify's inbox listeners fire only for activities whose signature it verified.
    const accept = await peer.waitFor(
      (a) => a.type === "Accept" && a.json.object?.id === peerFollow.id.href,
      20000,
      `an Accept of ${peerFollow.id.href}`,
    );
    assert.equal(accept.actor, MEMBER_URL);
    assert.equal(accept.json.object.actor, peer.actorUri.href);
    assert.equal(accept.json.object.object, MEMBER_URL);
    // It came signed with draft-cavage, the only scheme we sign with (the peer's log of the
    // request is written once Fedify has answered it, just after the listener ran).
    await eventually(() => peer.incoming.some((r) => r.method === "POST" && r.status === 202), {
      what: "the peer answered our POST",
      seen: () => JSON.stringify(peer.incoming),
    });
    const posts = peer.incoming.filter((r) => r.method === "POST");
    assert.deepEqual(posts.map((r) => `${r.scheme} ${r.status}`), ["draft-cavage 202"]);
  });

  test("Fedify knocked with RFC 9421 first, got 401, and was accepted with draft-cavage", (t) => {
    const posts = postsOf(peerFollow.id.href);
    for (const p of posts) t.diagnostic(`Fedify → POST ${p.url} signed ${p.scheme}: ${p.status} ${p.body ?? ""}`);
    assert.deepEqual(
      posts.map((p) => `${p.scheme} ${p.status}`),
      ["rfc9421 401", "draft-cavage 202"],
      JSON.stringify(posts),
    );
  });

  test("our member's followers collection counts the Fedify actor", async () => {
    let count;
    await eventually(async () => (count = await memberFollowers()) === 1, {
      what: "followers totalItems = 1",
      seen: () => String(count),
    });
  });
});

describe("2. our instance actor follows the Fedify actor", () => {
  let follow;
  let seenBefore; // how many requests the peer had served before our Follow
  let fetchedBefore; // how many requests Fedify had made before it

  test("Fedify reads our instance actor without signing its request", async () => {
    const start = outgoing.length;
    const instance = await peer.ctx.lookupObject(INSTANCE_ACTOR);
    assert.ok(instance instanceof vocab.Application, `an Application, not ${instance?.constructor.name}`);
    const key = await instance.getPublicKey();
    assert.equal(key?.id?.href, `${INSTANCE_ACTOR}#main-key`);
    assert.equal(key?.ownerId?.href, INSTANCE_ACTOR);
    const gets = outgoing.slice(start).filter((o) => o.method === "GET" && o.url.startsWith(INSTANCE_ACTOR));
    assert.deepEqual(gets.map((o) => `${o.scheme} ${o.status}`), ["unsigned 200"]);
  });

  test("the admin API queues a Follow", async () => {
    seenBefore = peer.incoming.length;
    fetchedBefore = outgoing.length;
    const answer = await api("POST", "/api/v1/admin/federation/follows", { actor: peer.actorUri.href });
    assert.ok(answer.status >= 200 && answer.status < 300, `POST /api/v1/admin/federation/follows: ${answer.status} ${answer.text}`);
    assert.equal(answer.json?.actor, peer.actorUri.href);
  });

  test("Fedify verifies our signed Follow", async (t) => {
    follow = await peer.waitFor(
      (a) => a.type === "Follow" && a.actor === INSTANCE_ACTOR,
      20000,
      `a Follow from ${INSTANCE_ACTOR}`,
    );
    assert.equal(follow.object, peer.actorUri.href);
    await eventually(() => peer.incoming.slice(seenBefore).some((r) => r.method === "POST"), {
      what: "the peer answered our POST",
    });
    for (const r of peer.incoming.slice(seenBefore)) t.diagnostic(`hub → ${r.method} ${r.url} signed ${r.scheme}: ${r.status}`);
    for (const o of outgoing.slice(fetchedBefore)) t.diagnostic(`Fedify → ${o.method} ${o.url} signed ${o.scheme}: ${o.status ?? o.error}`);
    const posts = peer.incoming.slice(seenBefore).filter((r) => r.method === "POST");
    assert.deepEqual(posts.map((r) => `${r.scheme} ${r.status}`), ["draft-cavage 202"]);
    // To verify it, Fedify fetched our instance actor (for its key), which we serve to anyone.
    const fetched = outgoing.slice(fetchedBefore).find((o) => o.method === "GET" && o.url.replace(/#.*/, "") === INSTANCE_ACTOR);
    assert.ok(fetched, `Fedify fetched ${INSTANCE_ACTOR}: ${JSON.stringify(outgoing.slice(fetchedBefore))}`);
    assert.equal(fetched.status, 200);
  });

  test("Fedify's Accept marks the follow accepted", async () => {
    let following;
    await eventually(
      async () => {
        following = (await federationOverview()).following;
        return following.find((f) => f.actor === peer.actorUri.href)?.status === "accepted";
      },
      { what: "following status accepted", seen: () => JSON.stringify(following) },
    );
    // Fedify's Accept reached our inbox at once with draft-cavage: Fedify remembered, per
    // origin, which scheme we took for the first Follow.
    const acceptPosts = outgoing.filter((o) => o.method === "POST" && o.url.startsWith(HUB) && o.activity?.includes("/accept-"));
    assert.deepEqual(acceptPosts.map((p) => `${p.scheme} ${p.status}`), ["draft-cavage 202"]);
    const instanceFollowing = await getActivityJson(`${INSTANCE_ACTOR}/following`);
    assert.equal(instanceFollowing.totalItems, 1);
  });
});

describe("3. Fedify sends a Create(Note)", () => {
  let create;
  const forged = [];

  const newCreate = (content, actor = peer.actorUri) => {
    const note = new vocab.Note({
      id: peer.newId("note"),
      attribution: actor,
      content,
      to: vocab.PUBLIC_COLLECTION,
      ccs: [member.id],
      published: Temporal.Now.instant(),
    });
    return new vocab.Create({
      id: peer.newId("create"),
      actor,
      object: note,
      to: vocab.PUBLIC_COLLECTION,
      ccs: [member.id],
    });
  };

  /** A draft-cavage signed POST of `activity` to our member's inbox, made by hand. */
  const signedPost = async (json, { key = peer.keyPair.privateKey, keyId = peer.keyId } = {}) => {
    const request = new Request(`${MEMBER_URL}/inbox`, {
      method: "POST",
      headers: { "content-type": AS_JSON, accept: AS_JSON },
      body: JSON.stringify(json),
    });
    return fedify.signRequest(request, key, keyId, { spec: "draft-cavage-http-signatures-12" });
  };

  const send = async (signed, body) => {
    const response = await fetch(signed.url, { method: "POST", headers: signed.headers, body });
    return { status: response.status, text: await response.text() };
  };

  test("a genuine one is accepted with 202", async () => {
    create = newCreate("<p>Bonjour depuis Fedify : l'atelier numérique de jeudi est complet.</p>");
    await peer.ctx.sendActivity({ identifier: "peer" }, member, create);
    const posts = postsOf(create.id.href);
    assert.equal(posts.at(-1)?.status, 202, JSON.stringify(posts));
    assert.equal(posts.at(-1)?.scheme, "draft-cavage");
  });

  test("the journal shows it ignored, with a reason", async () => {
    let found;
    const entry = await eventually(
      async () => {
        found = journalEntry(await federationOverview(), create.id.href);
        return found && found.status !== "pending" ? found : null;
      },
      { what: `a processed journal entry for ${create.id.href}`, seen: () => JSON.stringify(found) },
    );
    assert.equal(entry.status, "ignored", JSON.stringify(entry));
    assert.ok(entry.reason.length > 0, "a reason");
    assert.equal(entry.actor, peer.actorUri.href);
    assert.equal(entry.activity_type, "Create");
  });

  test("a body changed after signing gets 401", async () => {
    const json = await newCreate("<p>Rendez-vous à 14 h.</p>").toJsonLd({ contextLoader: peer.ctx.contextLoader });
    const signed = await signedPost(json);
    const tampered = JSON.stringify(json).replace("14 h", "16 h");
    forged.push(json.id);
    const answer = await send(signed, tampered);
    assert.equal(answer.status, 401, answer.text);
  });

  test("a body changed after signing, with its Digest recomputed, gets 401", async () => {
    const json = await newCreate("<p>Rendez-vous à 14 h.</p>").toJsonLd({ contextLoader: peer.ctx.contextLoader });
    const signed = await signedPost(json);
    const tampered = JSON.stringify(json).replace("14 h", "16 h");
    const headers = new Headers(signed.headers);
    const digest = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tampered))).toString("base64");
    headers.set("digest", `SHA-256=${digest}`);
    forged.push(json.id);
    const answer = await send({ url: signed.url, headers }, tampered);
    assert.equal(answer.status, 401, answer.text);
  });

  test("an activity signed with another key under the peer's key id gets 401", async () => {
    const other = await fedify.generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const json = await newCreate("<p>Je suis bien le pair Fedify.</p>").toJsonLd({ contextLoader: peer.ctx.contextLoader });
    const signed = await signedPost(json, { key: other.privateKey });
    forged.push(json.id);
    const answer = await send(signed, JSON.stringify(json));
    assert.equal(answer.status, 401, answer.text);
  });

  test("an activity signed by the peer on behalf of another actor gets 401", async () => {
    const mallory = new URL(`${peer.origin}/users/mallory`);
    const json = await newCreate("<p>Message de Mallory.</p>", mallory).toJsonLd({ contextLoader: peer.ctx.contextLoader });
    const signed = await signedPost(json);
    forged.push(json.id);
    const answer = await send(signed, JSON.stringify(json));
    assert.equal(answer.status, 401, answer.text);
  });

  test("an unsigned activity gets 401", async () => {
    const json = await newCreate("<p>Sans signature.</p>").toJsonLd({ contextLoader: peer.ctx.contextLoader });
    forged.push(json.id);
    const response = await fetch(`${MEMBER_URL}/inbox`, {
      method: "POST",
      headers: { "content-type": AS_JSON },
      body: JSON.stringify(json),
    });
    assert.equal(response.status, 401, await response.text());
  });

  test("no forged activity reaches the journal", async () => {
    // The genuine one is there: the journal is read at the right place.
    const overview = await federationOverview();
    assert.ok(journalEntry(overview, create.id.href));
    for (const id of forged) {
      assert.equal(journalEntry(overview, id), undefined, `${id} is in the journal`);
    }
  });
});

describe("4. Fedify undoes its Follow", () => {
  test("our member's followers count goes back to 0", async () => {
    assert.ok(peerFollow, "scenario 1 ran");
    const undo = new vocab.Undo({ id: peer.newId("undo"), actor: peer.actorUri, object: peerFollow, to: member.id });
    await peer.ctx.sendActivity({ identifier: "peer" }, member, undo);
    assert.equal(postsOf(undo.id.href).at(-1)?.status, 202, JSON.stringify(postsOf(undo.id.href)));
    let count;
    await eventually(async () => (count = await memberFollowers()) === 0, {
      what: "followers totalItems = 0",
      seen: () => String(count),
    });
    const entry = journalEntry(await federationOverview(), undo.id.href);
    assert.equal(entry?.status, "done", JSON.stringify(entry));
  });
});

describe("5. Fedify follows a forum category and receives its topics", () => {
  const CATEGORY_URL = `${HUB}/g/entraide`;
  let group;
  let topic;

  test("Fedify reads the category as a Group and its Follow is accepted by the Group", async () => {
    const created = await api("POST", "/api/v1/admin/forum/categories", {
      slug: "entraide",
      name: "Entraide entre médiateurs",
      description: "Questions de terrain",
    });
    assert.equal(created.status, 201, created.text);
    group = await peer.ctx.lookupObject(CATEGORY_URL);
    assert.ok(group instanceof vocab.Group, `a Group, not ${group?.constructor.name}`);
    assert.equal(group.preferredUsername, "entraide");
    const follow = new vocab.Follow({ id: peer.newId("follow"), actor: peer.actorUri, object: group.id });
    await peer.ctx.sendActivity({ identifier: "peer" }, group, follow);
    const accept = await peer.waitFor(
      (a) => a.type === "Accept" && a.actor === CATEGORY_URL && a.json.object?.id === follow.id.href,
      20000,
      `the Group's Accept of ${follow.id.href}`,
    );
    assert.equal(accept.json.object.object, CATEGORY_URL);
  });

  test("a new topic reaches Fedify as the Group's Announce of the Create, then of the Note", async () => {
    const answer = await api("POST", "/api/v1/forum/categories/entraide/topics", {
      title: "Une personne sans e-mail et la CAF",
      body: "Comment l'aider à **déclarer ses ressources** ?",
      tags: "caf",
    });
    assert.equal(answer.status, 201, answer.text);
    topic = answer.json;
    const ofCreate = await peer.waitFor(
      (a) => a.type === "Announce" && a.actor === CATEGORY_URL && a.json.object?.type === "Create",
      20000,
      "the Group's Announce of the Create",
    );
    const note = ofCreate.json.object.object;
    assert.equal(note.type, "Note");
    assert.equal(note.id, topic.url);
    assert.equal(note.name, "Une personne sans e-mail et la CAF");
    assert.match(note.content, /<strong>Une personne sans e-mail et la CAF<\/strong>/);
    assert.match(note.content, /déclarer ses ressources/);
    assert.equal(note.audience, CATEGORY_URL);
    const ofNote = await peer.waitFor(
      (a) => a.type === "Announce" && a.actor === CATEGORY_URL && a.object === topic.url,
      20000,
      "the Group's Announce of the Note (a boost for Mastodon users)",
    );
    assert.ok(ofNote.id);
  });

  test("Fedify's reply to the topic, sent to the Group, lands in the topic", async () => {
    const note = new vocab.Note({
      id: peer.newId("note"),
      attribution: peer.actorUri,
      content: "<p>FranceConnect avec l'identité numérique La Poste, sans e-mail.</p>",
      replyTarget: new URL(topic.url),
      to: vocab.PUBLIC_COLLECTION,
      ccs: [group.id],
      published: Temporal.Now.instant(),
    });
    const create = new vocab.Create({ id: peer.newId("create"), actor: peer.actorUri, object: note, to: vocab.PUBLIC_COLLECTION, ccs: [group.id] });
    await peer.ctx.sendActivity({ identifier: "peer" }, group, create);
    let posts;
    await eventually(
      async () => {
        const view = await api("GET", `/api/v1/forum/topics/${topic.topic_id}`);
        posts = view.json?.posts ?? [];
        return posts.some((p) => p.ap_id === note.id.href);
      },
      { what: "the Fedify reply in the topic", seen: () => JSON.stringify(posts?.map((p) => p.ap_id)) },
    );
  });
});

describe("6. Fedify follows the hub's calendar, gets its events and registers", () => {
  const CALENDAR_URL = `${HUB}/g/agenda`;
  let calendar;
  let event;
  const workshop = {
    title: "Atelier : créer son compte Ameli",
    description: "Venez avec votre **carte Vitale**.",
    tags: "ameli",
    start_date: "2027-06-10",
    start_time: "14:00",
    end_time: "16:00",
    time_zone: "Europe/Paris",
    place_name: "Médiathèque Jean Moulin",
    city: "Rodez",
    registration: "open",
    capacity: "12",
    waiting_list: true,
  };

  test("the calendar is a Group that accepts Fedify's Follow", async () => {
    calendar = await peer.ctx.lookupObject(CALENDAR_URL);
    assert.ok(calendar instanceof vocab.Group, `a Group, not ${calendar?.constructor.name}`);
    const follow = new vocab.Follow({ id: peer.newId("follow"), actor: peer.actorUri, object: calendar.id });
    await peer.ctx.sendActivity({ identifier: "peer" }, calendar, follow);
    await peer.waitFor(
      (a) => a.type === "Accept" && a.actor === CALENDAR_URL && a.json.object?.id === follow.id.href,
      20000,
      "the calendar's Accept",
    );
  });

  test("a new event arrives as Create(Event) whose summary says when and where", async () => {
    const answer = await api("POST", "/api/v1/events", workshop);
    assert.equal(answer.status, 201, answer.text);
    event = answer.json;
    const create = await peer.waitFor(
      (a) => a.type === "Create" && a.actor === CALENDAR_URL && a.json.object?.id === event.url,
      20000,
      "the Create(Event)",
    );
    const object = create.json.object;
    assert.equal(object.type, "Event");
    assert.equal(object.name, "Atelier : créer son compte Ameli");
    // Fedify reads the instants (and writes them back in UTC).
    assert.equal(new Date(object.startTime).toISOString(), "2027-06-10T12:00:00.000Z");
    assert.equal(new Date(object.endTime).toISOString(), "2027-06-10T14:00:00.000Z");
    assert.match(object.summary, /jeu\. 10 juin 2027, 14:00–16:00 \(heure de Paris\)/);
    assert.match(object.summary, /Médiathèque Jean Moulin, Rodez/);
    assert.equal(object.location.type, "Place");
    assert.equal(object.location.name, "Médiathèque Jean Moulin");
    // Terms outside ActivityStreams, as any server dereferencing the event reads them.
    const raw = await getActivityJson(event.url);
    assert.equal(raw.startTime, "2027-06-10T14:00:00+02:00", "the offset valid that day in the event's zone");
    assert.equal(raw.timezone, "Europe/Paris");
    assert.equal(raw.location.address.addressLocality, "Rodez");
    assert.equal(raw.maximumAttendeeCapacity, 12);
  });

  test("Fedify's Join gets an Accept from the calendar", async () => {
    const join = new vocab.Join({ id: peer.newId("join"), actor: peer.actorUri, object: new URL(event.url), to: calendar.id });
    await peer.ctx.sendActivity({ identifier: "peer" }, calendar, join);
    const accept = await peer.waitFor(
      (a) => a.type === "Accept" && a.actor === CALENDAR_URL && a.json.object?.id === join.id.href,
      20000,
      "the Accept of the Join",
    );
    assert.equal(accept.json.object.object, event.url);
    const list = await api("GET", `/api/v1/events/${event.id}/registrations`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.map((r) => [r.actor_ap_id, r.status]), [[peer.actorUri.href, "confirmed"]]);
  });

  test("a cancellation arrives as Update(Event) that says so", async () => {
    const answer = await api("PUT", `/api/v1/events/${event.id}`, { ...workshop, status: "cancelled", status_note: "Médiathèque fermée" });
    assert.equal(answer.status, 200, answer.text);
    const update = await peer.waitFor(
      (a) => a.type === "Update" && a.actor === CALENDAR_URL && a.json.object?.id === event.url,
      20000,
      "the Update(Event)",
    );
    const object = update.json.object;
    assert.match(object.name, /^Annulé : /);
    assert.match(object.summary, /^ANNULÉ/);
    const raw = await getActivityJson(event.url);
    assert.equal(raw.eventStatus, "EventCancelled");
    assert.equal(raw["ical:status"], "CANCELLED");
  });
});

describe("7. afterwards", () => {
  test("every delivery of ours was taken, every activity of Fedify's handled", async (t) => {
    const overview = await federationOverview();
    t.diagnostic(`queue: ${JSON.stringify(overview.queue)}`);
    for (const e of overview.journal) t.diagnostic(`journal: ${e.activity_type} ${e.status} ${e.reason} (${e.activity_id})`);
    assert.equal(overview.queue.failed, 0);
    assert.equal(overview.queue.pending, 0);
    assert.deepEqual(
      overview.journal.filter((e) => e.status === "failed" || e.status === "pending"),
      [],
    );
    assert.deepEqual(peer.errors, []);
  });
});
