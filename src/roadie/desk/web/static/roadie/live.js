// Live pages: listen to /events and re-fetch each [data-live-panel] when something happens,
// so the page always shows what a fresh load would show. Panels with data-live-every also
// refresh on a timer (waiting times grow without any event).
//
// The agent workspace: links and forms marked data-pane-link / data-pane-form load into the
// #pane without reloading the page (the URL follows, Back works); the offer banner rings,
// announces and, when the tab is in the background, shows a browser notification.
(function () {
  "use strict";
  const panels = () => Array.from(document.querySelectorAll("[data-live-panel]"));
  const announcer = document.getElementById("live-announcer");
  const fr = document.documentElement.lang === "fr";
  const lastRefresh = new WeakMap();
  const latest = new WeakMap(); // panel -> number of its newest refresh
  let events = 0; // live events received so far (a pane load checks whether any came meanwhile)

  function runScripts(root) {
    // Scripts inside swapped HTML do not run by themselves: re-create them.
    root.querySelectorAll("script").forEach((old) => {
      const script = document.createElement("script");
      script.textContent = old.textContent;
      old.replaceWith(script);
    });
  }

  // A panel is not replaced while a pointer is pressed either: a click is a press and a
  // release on the same element, so a panel replaced in between would swallow it (the button
  // pressed is gone when it is released). A refresh that answers meanwhile lands on release.
  let pressed = false;
  let waiting = [];
  document.addEventListener("pointerdown", () => { pressed = true; }, true);
  const release = () => setTimeout(() => { pressed = false; waiting.splice(0).forEach((go) => go()); }, 0);
  ["pointerup", "pointercancel", "dragend"].forEach((kind) => document.addEventListener(kind, release, true));
  window.addEventListener("blur", release);
  const released = () => (pressed ? new Promise((go) => waiting.push(go)) : Promise.resolve());

  async function refresh(panel) {
    // Never replace a panel while the user is typing in it.
    if (panel.contains(document.activeElement) && /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) return;
    lastRefresh.set(panel, Date.now());
    // Two events close together start two fetches; the older may answer last. Only the newest
    // request's answer is shown, so a panel never goes back to what it showed before an event.
    const number = (latest.get(panel) || 0) + 1;
    latest.set(panel, number);
    const response = await fetch(panel.dataset.livePanel, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    if (!response.ok || !panel.isConnected) return;
    const html = await response.text();
    await released();
    if (latest.get(panel) !== number || !panel.isConnected) return;
    // Nor when the user started typing in it while the answer was on its way.
    if (panel.contains(document.activeElement) && /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) return;
    panel.innerHTML = html;
    if (panel.matches("[data-offer-banner]")) offersChanged(panel);
    markCurrent();
    tick(); clocks();
  }
  const refreshAll = () => { events += 1; panels().forEach(refresh); };

  // Timers: one loop for every panel, including those the pane brings in later.
  setInterval(() => {
    const now = Date.now();
    panels().forEach((panel) => {
      const every = parseFloat(panel.dataset.liveEvery || "0") * 1000;
      if (every > 0 && now - (lastRefresh.get(panel) || 0) >= every) refresh(panel);
    });
  }, 1000);
  panels().forEach((panel) => lastRefresh.set(panel, Date.now()));

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach((el) => {
      const left = Math.max(0, Math.round((new Date(el.getAttribute("datetime")) - Date.now()) / 1000));
      el.textContent = left + " s";
      el.classList.toggle("late", left <= 10);
    });
  }
  setInterval(tick, 1000); tick();

  function human(seconds) {
    if (seconds < 120) return seconds + " s";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 120) return minutes + " min";
    return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0");
  }

  // Calls: time waited against the answer target, and the ring of an offered call or video.
  function clocks() {
    document.querySelectorAll("[data-target-clock]").forEach((el) => {
      const waited = Math.max(0, Math.round((Date.now() - new Date(el.getAttribute("datetime"))) / 1000));
      el.textContent = waited + " s / " + el.dataset.target + " s";
      el.classList.toggle("late", waited > parseFloat(el.dataset.target));
    });
    document.querySelectorAll("[data-elapsed]").forEach((el) => {
      el.textContent = human(Math.max(0, Math.round((Date.now() - new Date(el.getAttribute("datetime"))) / 1000)));
    });
  }
  setInterval(clocks, 1000); clocks();

  let audio = null;
  function tone(freqs) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      freqs.forEach(([freq, at]) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = freq; gain.gain.value = 0.08;
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.25);
      });
    } catch (e) { /* no audio: the banner stays visible */ }
  }
  function ring() { if (document.querySelector("[data-ring]")) tone([[480, 0], [480, 0.4]]); }
  setInterval(ring, 3000);
  // Browsers allow sound only after a gesture: open the audio context on the first one.
  document.addEventListener("pointerdown", () => { try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { /* none */ } }, { once: true });

  // Offers: a chime, a spoken announcement and (tab in the background) a notification for
  // each offer that was not there before.
  const seen = new Set(Array.from(document.querySelectorAll("[data-offer]")).map((el) => el.dataset.offer));
  function offersChanged(banner) {
    banner.querySelectorAll("[data-offer]").forEach((card) => {
      if (seen.has(card.dataset.offer)) return;
      seen.add(card.dataset.offer);
      tone([[660, 0], [880, 0.2]]);
      if (announcer) announcer.textContent = (fr ? "Nouveau contact proposé : " : "New contact offered: ") + card.dataset.offerTitle;
      if (document.hidden && "Notification" in window && Notification.permission === "granted") {
        const note = new Notification(card.dataset.offerTitle, { body: card.dataset.offerBody, tag: "offer-" + card.dataset.offer });
        note.onclick = () => { window.focus(); const b = card.querySelector("[data-accept]"); if (b) b.focus(); note.close(); };
      }
    });
  }
  function notifyButton() {
    const button = document.querySelector("[data-notify-permission]");
    if (!button || !("Notification" in window) || Notification.permission !== "default") return;
    button.hidden = false;
    button.addEventListener("click", () => Notification.requestPermission().then(() => { button.hidden = true; }));
  }
  notifyButton();

  // The workspace pane.
  const pane = () => document.querySelector("[data-pane]");
  function markCurrent() {
    const current = pane() && pane().querySelector("[data-contact-pane]");
    const id = current ? current.dataset.contactPane : null;
    document.querySelectorAll("[data-inbox] li").forEach((li) => {
      const link = li.querySelector("[data-contact]");
      if (link && link.dataset.contact === id) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
    });
  }
  async function load(url, options, push) {
    const target = pane();
    const eventsBefore = events;
    const response = await fetch(url, Object.assign({ credentials: "same-origin", headers: { "X-Pane": "1", "X-Requested-With": "fetch" } }, options || {}));
    // A refused reply (4xx, X-Roadie-Refused) comes back as the pane with the error and the text kept.
    if (!response.ok && !response.headers.get("X-Roadie-Refused")) { window.location.href = url; return; }
    target.innerHTML = await response.text();
    runScripts(target);
    const finalUrl = response.url || url;
    if (push && response.ok && finalUrl !== window.location.href) history.pushState({ pane: true }, "", finalUrl);
    const heading = target.querySelector("h1");
    if (heading) { document.title = heading.textContent.trim() + " · roadie"; }
    const focus = target.querySelector("#reply-body") || heading;
    if (focus) { if (focus === heading) heading.setAttribute("tabindex", "-1"); focus.focus({ preventScroll: false }); }
    markCurrent(); tick(); clocks(); notifyButton();
    // The pane was rendered when the request was answered: an event that came while it was on
    // its way (the customer answering the reply just sent) refreshed the panels it replaced,
    // so refresh the new ones, or the pane would show the conversation as it was before.
    if (events !== eventsBefore) target.querySelectorAll("[data-live-panel]").forEach(refresh);
    const inbox = document.querySelector("[data-inbox]");
    if (inbox) refresh(inbox);
    lastRefresh.set(target, Date.now());
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-pane-link]");
    if (!link || !pane() || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    load(link.href, null, true);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-pane-form]") || !pane()) return;
    event.preventDefault();
    const submitter = event.submitter;
    const action = (submitter && submitter.getAttribute("formaction")) || form.action;
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    load(action, { method: "POST", body: data }, true).then(() => {
      const banner = document.querySelector("[data-offer-banner]");
      if (banner) refresh(banner);
    });
  });
  window.addEventListener("popstate", () => { if (pane()) load(window.location.href, null, false); });

  // Saved replies fill the reply box (the agent reads and edits before sending).
  document.addEventListener("change", (event) => {
    const select = event.target.closest("[data-macro-select]");
    if (!select) return;
    const option = select.selectedOptions[0];
    const reply = document.getElementById("reply-body");
    if (option && option.dataset.text && reply) {
      reply.value = reply.value ? reply.value.replace(/\s*$/, "") + "\n\n" + option.dataset.text : option.dataset.text;
      reply.focus();
    }
    select.value = "";
  });

  // Keyboard: Alt+A accepts the first offer from anywhere; outside text fields, / searches,
  // J/K move through my contacts, R focuses the reply, N the note, ? lists the keys.
  document.addEventListener("keydown", (event) => {
    const typing = /INPUT|TEXTAREA|SELECT/.test((document.activeElement || {}).tagName || "");
    if (event.altKey && (event.key === "a" || event.key === "A" || event.code === "KeyA")) {
      const accept = document.querySelector("[data-offer] [data-accept]");
      if (accept) { event.preventDefault(); accept.click(); }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      const search = document.getElementById("inbox-q");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "j" || event.key === "k") {
      const links = Array.from(document.querySelectorAll("[data-inbox] [data-pane-link]"));
      if (!links.length) return;
      const at = links.findIndex((a) => a.closest("li").getAttribute("aria-current") === "true");
      const next = links[Math.min(links.length - 1, Math.max(0, at + (event.key === "j" ? 1 : -1)))] || links[0];
      event.preventDefault(); next.click();
    } else if (event.key === "r" || event.key === "n") {
      const box = document.getElementById(event.key === "r" ? "reply-body" : "note-body") || document.getElementById("reply-body");
      if (box) { event.preventDefault(); box.focus(); }
    }
  });

  if (!panels().length) return;
  const KINDS = ["offer.new", "offer.accepted", "offer.declined", "offer.expired", "offer.released",
    "contact.arrived", "contact.message", "contact.replied", "contact.resolved", "contact.abandoned",
    "contact.note", "contact.tagged", "contact.waiting", "contact.taken_over", "contact.reassigned",
    "contact.transferred", "escalation.raised", "escalation.answered", "agent.presence"];
  function connect() {
    const source = new EventSource("/events");
    source.onmessage = refreshAll;
    // A panel may name more kinds it listens for: data-live-kinds="scheduling.booked ...".
    const kinds = new Set(KINDS);
    panels().forEach((panel) => (panel.dataset.liveKinds || "").split(/\s+/).filter(Boolean)
      .forEach((kind) => kinds.add(kind)));
    kinds.forEach((kind) => source.addEventListener(kind, refreshAll));
    // The stream resumes by itself (Last-Event-ID); after a long gap, resync everything.
    source.addEventListener("hello", refreshAll);
  }
  connect();
})();
