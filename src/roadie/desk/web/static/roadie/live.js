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

  // Calls: time waited against the answer target, and the ring of an offered call or video.
  function clocks() {
    document.querySelectorAll("[data-target-clock]").forEach((el) => {
      const waited = Math.max(0, Math.round((Date.now() - new Date(el.getAttribute("datetime"))) / 1000));
      el.textContent = waited + " s / " + el.dataset.target + " s";
      el.classList.toggle("late", waited > parseFloat(el.dataset.target));
    });
    document.querySelectorAll("[data-elapsed]").forEach((el) => {
      el.textContent = Math.max(0, Math.round((Date.now() - new Date(el.getAttribute("datetime"))) / 1000)) + " s";
    });
  }
  setInterval(clocks, 1000); clocks();
  let audio = null;
  function ring() {
    if (!document.querySelector("[data-ring]")) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.4].forEach((at) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = 480; gain.gain.value = 0.08;
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.25);
      });
    } catch (e) { /* no audio: the ring stays visible */ }
  }
  setInterval(ring, 3000);

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
