// The chat's service worker: go-app's, whose cache is complete before the
// worker takes over, which answers every navigation to a page of the app with
// the cached app shell (so every page a person can start on works offline),
// which tells the page its build, and which keeps the thumbnails it was
// served for offline use, within a budget (see "Thumbnails for offline use").
const version = "{{.Version}}";
const cacheName = "app-" + version;
const resourcesToCache = {{.ResourcesToCache}};
const appRoutes = {{.AppRoutes}}.map((p) => new RegExp(p));

self.addEventListener("install", (event) => {
  event.waitUntil(installWorker());
});

async function installWorker() {
  console.log("installing app worker " + version);
  const cache = await caches.open(cacheName);
  try {
    await cache.addAll(resourcesToCache);
  } catch (err) {
    // Incomplete (the server moved on to another build meanwhile, or went
    // away): fail, and the worker in place keeps serving its build.
    await caches.delete(cacheName);
    throw err;
  }
  await self.skipWaiting();
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== cacheName && key.startsWith("app-")) {
        await caches.delete(key);
      }
    }
    await self.clients.claim();
    console.log("app worker " + version + " is activated");
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  event.respondWith(respond(request, url));
});

async function respond(request, url) {
  if (thumbPath.test(url.pathname)) {
    return thumbnail(request, url);
  }
  const cache = await caches.open(cacheName);
  const navigation = request.mode === "navigate";
  const hit = await cache.match(request, { ignoreSearch: navigation, ignoreVary: true });
  if (hit) {
    return hit;
  }
  if (navigation && appRoutes.some((r) => r.test(url.pathname))) {
    const shell = await cache.match("/", { ignoreVary: true });
    if (shell) {
      return shell;
    }
  }
  return fetch(request);
}

self.addEventListener("message", (event) => {
  const msg = event.data;
  if (!msg) {
    return;
  }
  if (msg.type === "chat:version" && event.ports && event.ports[0]) {
    event.ports[0].postMessage({ version: version });
    return;
  }
  if (msg.type === "chat:thumbs-budget" && Number.isFinite(msg.bytes) && msg.bytes >= 0) {
    event.waitUntil(serially(async () => {
      const index = await readIndex();
      index.budget = msg.bytes;
      await evict(index);
      if (event.ports && event.ports[0]) {
        event.ports[0].postMessage({ budget: index.budget, items: index.items.map((i) => i.url) });
      }
    }));
    return;
  }
  if (msg.type === "goapp:notify") {
    event.waitUntil(showNotification(self.registration, msg.options));
  }
});

// -----------------------------------------------------------------------------
// Thumbnails for offline use
// -----------------------------------------------------------------------------
// The thumbnails this browser was served (/files/<id>/thumb) are kept in a
// cache of their own, which a new build does not replace, within a budget of
// bytes (thumbBudget, or the one a page set with "chat:thumbs-budget"),
// evicting the oldest stored first. Online the network answers first, so the
// server's access control decides each time (a 403 or 404 also drops the
// copy); offline, or when the server is down, the copy answers. Full files
// are never kept. The index, in the cache itself under thumbIndexURL, lists
// each thumbnail's URL and size, oldest first. Signing out deletes the cache
// (the page does it).
const thumbCacheName = "chat-thumbs";
const thumbIndexURL = "/chat-thumbs-index";
const thumbBudget = 20 * 1024 * 1024;
const thumbPath = /^\/files\/[A-Z2-7]{26}\/thumb$/;

// serially runs the index's changes one after another: fetches race.
let indexQueue = Promise.resolve();
function serially(f) {
  const next = indexQueue.then(f, f);
  indexQueue = next.catch(() => {});
  return next;
}

async function thumbnail(request, url) {
  const key = url.pathname;
  let answer;
  try {
    answer = await fetch(request);
  } catch (err) {
    answer = null; // offline, or the server is down
  }
  if (answer && answer.status === 200) {
    const copy = answer.clone();
    serially(() => keepThumb(key, copy)).catch((err) => console.log("chat: keeping a thumbnail failed", err));
    return answer;
  }
  if (answer && (answer.status === 403 || answer.status === 404 || answer.status === 401)) {
    serially(() => dropThumb(key)).catch(() => {});
    return answer;
  }
  const cache = await caches.open(thumbCacheName);
  const hit = await cache.match(key);
  if (hit) {
    return hit;
  }
  return answer || Response.error();
}

async function readIndex() {
  const cache = await caches.open(thumbCacheName);
  const hit = await cache.match(thumbIndexURL);
  let index = null;
  if (hit) {
    try {
      index = await hit.json();
    } catch {
      index = null;
    }
  }
  if (!index || !Array.isArray(index.items)) {
    index = { budget: thumbBudget, items: [] };
  }
  if (!Number.isFinite(index.budget)) {
    index.budget = thumbBudget;
  }
  return index;
}

async function writeIndex(index) {
  const cache = await caches.open(thumbCacheName);
  await cache.put(thumbIndexURL, new Response(JSON.stringify(index), { headers: { "Content-Type": "application/json" } }));
}

// evict drops the oldest thumbnails until the rest fit the budget, and
// writes the index.
async function evict(index) {
  const cache = await caches.open(thumbCacheName);
  let total = index.items.reduce((n, i) => n + i.size, 0);
  while (total > index.budget && index.items.length > 0) {
    const old = index.items.shift();
    total -= old.size;
    await cache.delete(old.url);
  }
  await writeIndex(index);
}

async function keepThumb(key, response) {
  const body = await response.blob();
  const index = await readIndex();
  index.items = index.items.filter((i) => i.url !== key);
  if (body.size > index.budget) {
    await evict(index);
    return;
  }
  const cache = await caches.open(thumbCacheName);
  const headers = new Headers(response.headers);
  headers.set("Content-Length", String(body.size));
  await cache.put(key, new Response(body, { status: 200, headers: headers }));
  index.items.push({ url: key, size: body.size });
  await evict(index);
}

async function dropThumb(key) {
  const index = await readIndex();
  const before = index.items.length;
  index.items = index.items.filter((i) => i.url !== key);
  if (index.items.length !== before) {
    await (await caches.open(thumbCacheName)).delete(key);
    await writeIndex(index);
  }
}

// -----------------------------------------------------------------------------
// Web Push from the chat server (docs/push.md)
// -----------------------------------------------------------------------------
// A push is a chat.Push: the conversation (conv, kind, name), the message's
// sequence (seq), the notification's title, body and tag (one per
// conversation: a newer push replaces the older notification), how many
// entries of it are unread (count), and the message itself (entry) unless
// the person keeps text off the lock screen or it did not fit. The worker
// first writes the message into the page's offline copy (IndexedDB "chat",
// the schema app/client/local_js.go owns), then shows the notification and
// sets the app's badge; a click opens the conversation at that message,
// offline too. Any other push is go-app's.
self.addEventListener("push", (event) => {
  event.waitUntil((async () => {
    let data;
    try {
      data = event.data ? event.data.json() : null;
    } catch {
      data = null;
    }
    if (!data) {
      return;
    }
    if (typeof data.conv === "string" && typeof data.tag === "string") {
      await chatPush(data);
      return;
    }
    await showNotification(self.registration, data);
  })());
});

async function chatPush(p) {
  try {
    await saveEntry(p);
  } catch (err) {
    console.log("chat: the pushed message was not saved for offline use", err);
  }
  await self.registration.showNotification(p.title || "Chat", {
    body: p.body || "",
    tag: p.tag,
    renotify: true,
    icon: "/web/icon-192.png",
    timestamp: p.entry && p.entry.time ? p.entry.time : Date.now(),
    data: { chat: { conv: p.conv, seq: p.seq, count: p.count || 1, path: convPath(p.conv, p.seq) } },
  });
  await setBadge();
}

// convPath is the page of conversation conv at message seq (ui.ConvPath).
function convPath(conv, seq) {
  return "/c/" + pathEscape(conv) + "?at=" + seq;
}

// pathEscape escapes a path segment as Go's url.PathEscape does, so that
// the page's path is the one the app makes.
function pathEscape(s) {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%(24|26|2B|3A|3D|40)/g, (m) => decodeURIComponent(m));
}

// The offline copy (app/client/local_js.go): database "chat", version 1;
// the store "meta" holds the signed-in person under "saved" (no record: no
// one is, and nothing is written), "convs" one conversation per id, as the
// JSON text of a client.SavedConv: {info: ConvInfo, entries: [Entry...]
// consecutive, oldest first, start, lost}. At most savedEntries are kept.
const localName = "chat";
const localVersion = 1;
const savedEntries = 100;

function openLocal() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(localName, localVersion);
    // No copy yet: the page makes it, with its schema. Aborting the upgrade
    // leaves no database behind.
    req.onupgradeneeded = () => req.transaction.abort();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("the offline copy is being upgraded"));
  });
}

// saveEntry writes the pushed message into its conversation's saved copy,
// in one transaction, so a page saving the same conversation meanwhile
// wins or loses whole. It reports whether it wrote.
async function saveEntry(p) {
  const e = p.entry;
  if (!e || e.conv !== p.conv || e.seq !== p.seq) {
    return false;
  }
  const db = await openLocal();
  return new Promise((resolve, reject) => {
    let wrote = false;
    const tx = db.transaction(["meta", "convs"], "readwrite");
    tx.oncomplete = () => {
      db.close();
      resolve(wrote);
    };
    tx.onerror = tx.onabort = () => {
      db.close();
      reject(tx.error);
    };
    const meta = tx.objectStore("meta").get("saved");
    meta.onsuccess = () => {
      if (typeof meta.result !== "string") {
        return;
      }
      const convs = tx.objectStore("convs");
      const got = convs.get(p.conv);
      got.onsuccess = () => {
        const next = withEntry(got.result, p);
        if (next) {
          convs.put(JSON.stringify(next), p.conv);
          wrote = true;
        }
      };
    };
  });
}

// withEntry returns the saved conversation text with the pushed entry
// added, or null when it holds it already. The entries must stay
// consecutive (a resume asks for what follows the last): a message that
// follows the last saved one is appended; after a gap (entries that
// pushed nothing, such as reactions) the saved run starts again at it,
// and the older ones come back from the server when scrolled to.
function withEntry(text, p) {
  let c = null;
  if (typeof text === "string") {
    try {
      c = JSON.parse(text);
    } catch {
      c = null;
    }
  }
  if (!c || !c.info || c.info.id !== p.conv) {
    c = { info: { id: p.conv, kind: p.kind, name: p.name, last: 0 }, entries: [] };
  }
  let entries = Array.isArray(c.entries) ? c.entries : [];
  const last = entries.length ? entries[entries.length - 1].seq : 0;
  if (p.seq <= last) {
    return null;
  }
  if (last > 0 && p.seq === last + 1) {
    entries.push(p.entry);
  } else {
    entries = [p.entry];
    c.start = false;
  }
  if (entries.length > savedEntries) {
    entries = entries.slice(entries.length - savedEntries);
    c.start = false;
  }
  c.entries = entries;
  c.info.last = Math.max(c.info.last || 0, p.seq);
  return c;
}

// setBadge shows on the app's icon the unread entries of the
// conversations notified, where the browser has the Badging API.
async function setBadge() {
  const nav = self.navigator;
  if (!nav || !("setAppBadge" in nav)) {
    return;
  }
  let n = 0;
  for (const shown of await self.registration.getNotifications()) {
    if (shown.data && shown.data.chat) {
      n += shown.data.chat.count || 1;
    }
  }
  try {
    if (n > 0) {
      await nav.setAppBadge(n);
    } else {
      await nav.clearAppBadge();
    }
  } catch (err) {
    console.log("chat: the badge was not set", err);
  }
}

// openChat focuses a window of the app (the focused one first) and has it
// show path, or opens one there: the app shell answers /c/ pages offline
// too. A window on another page of the site (a file, an API answer) runs
// no app to move.
async function openChat(path) {
  const windows = (await self.clients.matchAll({ type: "window" }))
    .filter((w) => appRoutes.some((r) => r.test(new URL(w.url).pathname)))
    .sort((a, b) => (b.focused ? 1 : 0) - (a.focused ? 1 : 0));
  for (const w of windows) {
    if ("focus" in w) {
      try {
        await w.focus();
      } catch {
        // focusing needs the click's activation; the page still moves
      }
      // A page load at path: the app shows the conversation the URL names
      // when it starts (it follows no in-app navigation to a route yet).
      // The shell and the wasm come from the cache, also offline.
      if ("navigate" in w) {
        try {
          await w.navigate(path);
          return;
        } catch {
          // not this worker's client: tell the page instead
        }
      }
      w.postMessage({ goapp: { type: "notification", path: path } });
      return;
    }
  }
  if (self.clients.openWindow) {
    await self.clients.openWindow(path);
  }
}

self.addEventListener("notificationclick", (event) => {
  const chat = event.notification.data && event.notification.data.chat;
  if (!chat) {
    return; // go-app's (below)
  }
  event.notification.close();
  event.waitUntil(openChat(chat.path).then(setBadge));
});

// -----------------------------------------------------------------------------
// Notifications (as go-app's worker)
// -----------------------------------------------------------------------------
async function showNotification(registration, notification) {
  const title = notification.title || "Notification";
  let actions = [];
  for (let i in notification.actions) {
    const action = notification.actions[i];
    actions.push({ action: action.action, path: action.path });
    delete action.path;
  }
  await registration.showNotification(title, {
    body: notification.body,
    icon: notification.icon,
    badge: notification.badge,
    actions: notification.actions,
    data: { goapp: { path: notification.path, actions: actions } },
  });
}

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  if (!notification.data || !notification.data.goapp) {
    return; // the chat's (above)
  }
  event.notification.close();
  let path = notification.data.goapp.path;
  for (let i in notification.data.goapp.actions) {
    const action = notification.data.goapp.actions[i];
    if (action.action === event.action) {
      path = action.path;
      break;
    }
  }
  event.waitUntil(
    clients.matchAll({ type: "window" }).then((clientList) => {
      for (var i = 0; i < clientList.length; i++) {
        let client = clientList[i];
        if ("focus" in client) {
          client.focus();
          client.postMessage({ goapp: { type: "notification", path: path } });
          return;
        }
      }
      if (clients.openWindow) {
        return clients.openWindow(path);
      }
    })
  );
});
