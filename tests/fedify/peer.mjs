// A Fedify peer for the interoperability suite: one Person actor ("peer") with an RSA key pair,
// served by Node's http server on a free localhost port, recording every activity its inbox
// verified. The spec file runs it in its own process (startPeer) and drives it through its
// Fedify context.
//
// Fedify 2.3 targets Node 22; on Node 20 it needs `navigator` and a global Temporal before it is
// imported, hence the dynamic imports below.

import http from "node:http";
import { Temporal } from "@js-temporal/polyfill";

globalThis.Temporal ??= Temporal;
globalThis.navigator ??= { userAgent: "node" };

// Every request Fedify makes (and its answer), so the tests can tell which signature scheme
// reached our hub and with what status (double-knocking: RFC 9421 first, then draft-cavage).
export const outgoing = [];
/** Node's own fetch, for the test's requests (not logged). */
export const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const request = input instanceof Request ? input : new Request(input, init);
  const headers = init?.headers ? new Headers(init.headers) : request.headers;
  const scheme = headers.has("signature-input") ? "rfc9421" : headers.has("signature") ? "draft-cavage" : "unsigned";
  const entry = { method: request.method, url: request.url, scheme, activity: null, status: null, error: null, body: null };
  if (request.method === "POST" && input instanceof Request) {
    try {
      entry.activity = JSON.parse(await input.clone().text()).id ?? null;
    } catch {
      // not JSON: nothing to note
    }
  }
  outgoing.push(entry);
  try {
    const response = await realFetch(input, init);
    entry.status = response.status;
    if (response.status >= 400) {
      entry.body = await response.clone().text().catch(() => null);
    }
    return response;
  } catch (error) {
    entry.error = String(error?.cause ?? error);
    throw error;
  }
};

const fedify = await import("@fedify/fedify");
const vocab = await import("@fedify/vocab");
export { fedify, vocab };
const { createFederation, MemoryKvStore, generateCryptoKeyPair } = fedify;
const { Accept, Activity, Create, Endpoints, Follow, Person, Undo } = vocab;

export const IDENTIFIER = "peer";

/** Starts the peer; resolves once it listens. */
export async function startPeer({ log = false } = {}) {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://localhost:${server.address().port}`;

  const keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  const received = []; // verified activities, in arrival order
  const incoming = []; // every request the peer served: method, url, signature scheme, status
  const errors = []; // errors of inbox listeners and of our own answers
  const waiters = new Set();
  const settings = { acceptFollows: true };

  const federation = createFederation({
    kv: new MemoryKvStore(),
    origin,
    allowPrivateAddress: true, // our hub is on loopback, over plain http
  });

  federation
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      if (identifier !== IDENTIFIER) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: "Fedify peer",
        summary: "The Fedify side of Maillage's interoperability suite",
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        url: ctx.getActorUri(identifier),
        publicKey: keys[0].cryptographicKey,
        assertionMethods: keys.map((k) => k.multikey),
      });
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === IDENTIFIER ? [keyPair] : []));

  const record = async (ctx, activity) => {
    const entry = {
      type: activity.constructor.name,
      id: activity.id?.href ?? null,
      actor: activity.actorId?.href ?? null,
      object: activity.objectId?.href ?? null,
      json: await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }),
      at: Date.now(),
    };
    received.push(entry);
    if (log) console.error(`[peer] received ${entry.type} ${entry.id} from ${entry.actor}`);
    for (const waiter of waiters) waiter();
    return entry;
  };

  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Follow, async (ctx, follow) => {
      await record(ctx, follow);
      if (!settings.acceptFollows || follow.objectId?.href !== ctx.getActorUri(IDENTIFIER).href) return;
      // Answer after this request: a real server answers from a queue, not inside the POST.
      setImmediate(async () => {
        try {
          const follower = await follow.getActor(ctx);
          if (follower == null) throw new Error(`cannot dereference the actor of ${follow.id?.href}`);
          await ctx.sendActivity(
            { identifier: IDENTIFIER },
            follower,
            new Accept({
              id: new URL(`${origin}/activities/accept-${crypto.randomUUID()}`),
              actor: ctx.getActorUri(IDENTIFIER),
              object: follow,
              to: follower.id,
            }),
          );
        } catch (error) {
          errors.push({ where: "Accept of a Follow", error: String(error) });
          if (log) console.error("[peer] Accept failed:", error);
        }
      });
    })
    .on(Accept, record)
    .on(Undo, record)
    .on(Create, record)
    .on(Activity, record) // anything else
    .onError((_ctx, error) => {
      errors.push({ where: "inbox", error: String(error) });
      if (log) console.error("[peer] inbox error:", error);
    });

  server.on("request", async (req, res) => {
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const request = new Request(new URL(req.url, origin), {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([name, value]) =>
          Array.isArray(value) ? value.map((v) => [name, v]) : [[name, value]],
        ),
        body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
      });
      const response = await federation.fetch(request, {
        contextData: undefined,
        onNotFound: () => new Response("not found", { status: 404 }),
        onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
      });
      incoming.push({
        method: req.method,
        url: request.url,
        scheme: req.headers["signature-input"] ? "rfc9421" : req.headers.signature ? "draft-cavage" : "unsigned",
        status: response.status,
      });
      if (log) console.error(`[peer] ${req.method} ${req.url} -> ${response.status}`);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      errors.push({ where: "http", error: String(error) });
      res.writeHead(500).end(String(error));
    }
  });

  const ctx = federation.createContext(new URL(origin), undefined);

  /** Resolves with the first recorded activity matching `predicate` (waits up to `timeout` ms). */
  const waitFor = (predicate, timeout = 15000, what = "an activity") =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = received.find(predicate);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `the peer did not receive ${what} within ${timeout} ms; received: ${JSON.stringify(
              received.map((r) => `${r.type} ${r.id}`),
            )}; errors: ${JSON.stringify(errors)}`,
          ),
        );
      }, timeout);
      waiters.add(check);
      check();
    });

  return {
    origin,
    actorUri: ctx.getActorUri(IDENTIFIER),
    keyId: new URL(`${ctx.getActorUri(IDENTIFIER).href}#main-key`),
    keyPair,
    federation,
    ctx,
    received,
    incoming,
    errors,
    settings,
    waitFor,
    newId: (kind) => new URL(`${origin}/activities/${kind}-${crypto.randomUUID()}`),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
