// The chat's service worker: go-app's, whose cache is complete before the
// worker takes over, which answers every navigation to a page of the app with
// the cached app shell (so every page a person can start on works offline),
// and which tells the page its build.
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
  if (msg.type === "goapp:notify") {
    event.waitUntil(showNotification(self.registration, msg.options));
  }
});

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
