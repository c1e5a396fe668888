// Live pages: listen to /events and re-fetch each [data-live-panel] when something happens,
// so the page always shows what a fresh load would show. Panels with data-live-every also
// refresh on a timer (waiting times grow without any event).
(function () {
  "use strict";
  const panels = () => Array.from(document.querySelectorAll("[data-live-panel]"));
  if (!panels().length) return;
  const announcer = document.getElementById("live-announcer");

  async function refresh(panel) {
    // Never replace a panel while the user is typing in it.
    if (panel.contains(document.activeElement) && /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) return;
    const response = await fetch(panel.dataset.livePanel, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    if (response.ok) { panel.innerHTML = await response.text(); tick(); }
  }
  const refreshAll = () => panels().forEach(refresh);

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach((el) => {
      const left = Math.max(0, Math.round((new Date(el.getAttribute("datetime")) - Date.now()) / 1000));
      el.textContent = left + " s";
    });
  }
  setInterval(tick, 1000); tick();

  panels().forEach((panel) => {
    const every = parseFloat(panel.dataset.liveEvery || "0");
    if (every > 0) setInterval(() => refresh(panel), every * 1000);
  });

  function connect() {
    const source = new EventSource("/events");
    source.onmessage = refreshAll;
    ["offer.new", "offer.accepted", "offer.declined", "offer.expired", "offer.released",
     "contact.arrived", "contact.message", "contact.replied", "contact.resolved", "contact.abandoned",
     "escalation.raised", "escalation.answered", "agent.presence"].forEach((kind) => {
      source.addEventListener(kind, () => {
        refreshAll();
        const announce = panels().some((p) => p.dataset.liveAnnounce === kind);
        if (announce && announcer) announcer.textContent = document.documentElement.lang === "fr" ? "Nouveau contact proposé" : "New contact offered";
      });
    });
    // The stream resumes by itself (Last-Event-ID); after a long gap, resync everything.
    source.addEventListener("hello", refreshAll);
  }
  connect();
})();
