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
// Notifications (as go-app's worker)
// -----------------------------------------------------------------------------
self.addEventListener("push", (event) => {
  event.waitUntil((async () => {
    let notification;
    try {
      notification = event.data ? event.data.json() : null;
    } catch {
      notification = null;
    }
    if (!notification) {
      return;
    }
    await showNotification(self.registration, notification);
  })());
});

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
  event.notification.close();
  const notification = event.notification;
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
