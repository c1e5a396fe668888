// roadie web chat widget. One tag on the brand's page:
//   <script src="https://ROADIE/static/roadie-chat/widget.js" data-brand="BRAND" defer></script>
// Talks to roadie over a websocket (/chat/ws/BRAND); keeps its session token in localStorage
// so that a dropped connection or a reloaded page resumes the same conversation.
(function () {
  "use strict";
  const script = document.currentScript || document.querySelector("script[data-brand][src*='roadie-chat']");
  if (!script) return;
  const brand = script.dataset.brand;
  const origin = new URL(script.src, location.href).origin;
  const wsOrigin = origin.replace(/^http/, "ws");
  const key = "roadie-chat:" + brand;
  // The widget's language: the tag's data-lang, else the page's, else the brand's own
  // (from roadie, before the widget is drawn). Its offline form is answered in it too.
  const declared = script.dataset.lang || document.documentElement.lang;
  if (declared) widget(declared.toLowerCase().startsWith("en") ? "en" : "fr");
  else fetch(origin + "/chat/" + brand + "/status").then((r) => r.json())
    .then((s) => widget(s.language === "en" ? "en" : "fr"), () => widget("fr"));

  function widget(lang) {
  const fr = lang !== "en";
  const T = fr ? {
    open: "Discuter avec nous", title: "Discussion", close: "Fermer", message: "Votre message", send: "Envoyer",
    connecting: "Connexion…", waiting: "Un conseiller va vous répondre.", active: "Un conseiller vous répond.",
    reconnecting: "Connexion perdue, reconnexion…", resolved: "Conversation terminée. Écrivez-nous à nouveau si besoin.",
    offline: "Nous sommes fermés pour le moment. Laissez-nous un message, nous répondrons par e-mail.",
    name: "Votre nom", email: "Votre e-mail", leave: "Envoyer le message", thanks: "Merci, nous vous répondrons par e-mail.",
    you: "Vous", agent: "Conseiller", failed: "Envoi impossible : ",
    survey: "Êtes-vous satisfait de la réponse reçue ? (1 : pas du tout, 5 : très)", surveyComment: "Un commentaire (facultatif)",
    surveySend: "Envoyer mon avis", reason: "Qu'est-ce qui n'a pas été ?", reasonSend: "Envoyer", surveyThanks: "Merci pour votre avis !",
    who: "Qui êtes-vous ?", whoBefore: "Avant de commencer, indiquez votre nom et votre e-mail.",
    whoDuring: "Pour pouvoir vous recontacter, indiquez votre nom et votre e-mail (facultatif).",
    confirmHint: "Nous vous envoyons un lien pour confirmer cette adresse ; d'ici là, elle n'est liée à aucun dossier client.",
    start: "Commencer la discussion", save: "Enregistrer", skip: "Plus tard", identified: "Merci, c'est noté."
  } : {
    open: "Chat with us", title: "Chat", close: "Close", message: "Your message", send: "Send",
    connecting: "Connecting…", waiting: "An adviser will answer you shortly.", active: "An adviser is answering you.",
    reconnecting: "Connection lost, reconnecting…", resolved: "Conversation closed. Write again if you need to.",
    offline: "We are closed right now. Leave us a message and we will answer by email.",
    name: "Your name", email: "Your email", leave: "Send message", thanks: "Thank you, we will answer by email.",
    you: "You", agent: "Adviser", failed: "Could not send: ",
    survey: "How satisfied are you with the answer you received? (1: not at all, 5: very)", surveyComment: "A comment (optional)",
    surveySend: "Send my opinion", reason: "What went wrong?", reasonSend: "Send", surveyThanks: "Thank you for your opinion!",
    who: "Who are you?", whoBefore: "Before we start, please give your name and email.",
    whoDuring: "So that we can get back to you, give your name and email (optional).",
    confirmHint: "We email you a link to confirm this address; until then it is not linked to any customer file.",
    start: "Start the chat", save: "Save", skip: "Not now", identified: "Thank you, noted."
  };

  const css = `
  .rc-launch{position:fixed;right:1.5rem;bottom:1.5rem;z-index:2147483000;background:#1f4e8c;color:#fff;border:0;border-radius:2rem;padding:.8rem 1.2rem;font:600 1rem system-ui,sans-serif;cursor:pointer}
  .rc-launch:focus-visible,.rc-panel button:focus-visible,.rc-panel textarea:focus-visible,.rc-panel input:focus-visible{outline:3px solid #f4a100;outline-offset:2px}
  .rc-panel{position:fixed;right:1.5rem;bottom:5rem;z-index:2147483000;width:min(24rem,calc(100vw - 2rem));max-height:70vh;overflow-y:auto;display:flex;flex-direction:column;background:#fff;color:#1b1b1b;border:1px solid #8a8a8a;border-radius:.6rem;box-shadow:0 4px 20px rgba(0,0,0,.25);font:1rem system-ui,sans-serif}
  .rc-panel[hidden]{display:none}
  .rc-head{display:flex;justify-content:space-between;align-items:center;background:#1f4e8c;color:#fff;padding:.5rem .8rem;border-radius:.6rem .6rem 0 0}
  .rc-head h2{font-size:1rem;margin:0}.rc-head button{background:transparent;color:#fff;border:1px solid #fff;border-radius:.3rem;cursor:pointer}
  .rc-status{margin:0;padding:.4rem .8rem;background:#eef3f9;font-size:.9rem}
  .rc-log{list-style:none;margin:0;padding:.6rem .8rem;overflow-y:auto;flex:1;min-height:8rem}
  .rc-log ol{list-style:none;margin:0;padding:0}
  .rc-log li{margin:.3rem 0;padding:.4rem .6rem;border-radius:.5rem;max-width:85%;white-space:pre-wrap}
  .rc-log .rc-customer{background:#dbe8f7;margin-left:auto}.rc-log .rc-agent{background:#f0f0f0}
  .rc-log .rc-who{display:block;font-size:.75rem;color:#3d3d3d}
  .rc-form{display:flex;flex-direction:column;gap:.4rem;padding:.6rem .8rem;border-top:1px solid #ccc}
  .rc-form label{font-size:.85rem}.rc-form textarea,.rc-form input{font:inherit;padding:.3rem;border:1px solid #6b6b6b;border-radius:.3rem}
  .rc-form fieldset{border:1px solid #6b6b6b;border-radius:.3rem}.rc-form fieldset label{display:inline-block;margin-right:.6rem}
  .rc-form[hidden]{display:none}.rc-hint{margin:0;font-size:.85rem;color:#3d3d3d}.rc-row{display:flex;gap:.4rem}.rc-row button{flex:1}
  .rc-form button.rc-skip{background:#fff;color:#1f4e8c;border:1px solid #1f4e8c}
  .rc-form button{background:#1f4e8c;color:#fff;border:0;border-radius:.3rem;padding:.5rem;font:600 1rem system-ui,sans-serif;cursor:pointer}`;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text) node.textContent = text;
    return node;
  }

  const style = el("style"); style.textContent = css; document.head.appendChild(style);
  const launch = el("button", { type: "button", class: "rc-launch", "aria-expanded": "false", "aria-controls": "rc-panel" }, T.open);
  const panel = el("section", { id: "rc-panel", class: "rc-panel", "aria-label": T.title, hidden: "" });
  const head = el("div", { class: "rc-head" });
  head.append(el("h2", {}, T.title));
  const close = el("button", { type: "button" }, T.close);
  head.append(close);
  const status = el("p", { class: "rc-status", role: "status" }, T.connecting);
  // The log region holds a list (an <li> needs a list parent for assistive technologies).
  const logBox = el("div", { class: "rc-log", role: "log", "aria-live": "polite", "aria-label": T.title });
  const log = el("ol", {});
  logBox.append(log);
  const form = el("form", { class: "rc-form" });
  form.append(el("label", { for: "rc-body" }, T.message));
  const body = el("textarea", { id: "rc-body", rows: "2", required: "" });
  form.append(body, el("button", { type: "submit" }, T.send));
  panel.append(head, status, logBox, form);
  document.body.append(launch, panel);

  function toggle(open) {
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    if (open) { connect(); body.focus(); } else launch.focus();
  }
  launch.addEventListener("click", () => toggle(panel.hidden));
  close.addEventListener("click", () => toggle(false));
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") toggle(false); });

  let socket = null, last = 0, backoff = 1000, wanted = false, ask = "never", known = false;
  const askedKey = key + ":asked";
  const shown = new Set(), pending = new Map();
  const session = () => localStorage.getItem(key);

  function addLine(msg) {
    if (msg.id && shown.has(msg.id)) return;
    if (msg.id) shown.add(msg.id);
    const li = el("li", { class: msg.from === "customer" ? "rc-customer" : "rc-agent", "data-id": msg.id || "" });
    li.append(el("span", { class: "rc-who" }, msg.from === "customer" ? T.you : (msg.name || T.agent)));
    li.append(document.createTextNode(msg.body));
    log.append(li); logBox.scrollTop = logBox.scrollHeight;
    return li;
  }

  function showOffline() {
    form.replaceChildren();
    status.textContent = T.offline;
    const name = el("input", { id: "rc-name", name: "name", required: "", autocomplete: "name" });
    const email = el("input", { id: "rc-email", name: "email", type: "email", required: "", autocomplete: "email" });
    const text = el("textarea", { id: "rc-offline", name: "message", rows: "3", required: "" });
    form.append(el("label", { for: "rc-name" }, T.name), name, el("label", { for: "rc-email" }, T.email), email,
                el("label", { for: "rc-offline" }, T.message), text, el("button", { type: "submit" }, T.leave));
    form.onsubmit = async (e) => {
      e.preventDefault();
      const r = await fetch(origin + "/chat/" + brand + "/offline?lang=" + lang, { method: "POST", body: new URLSearchParams(new FormData(form)) });
      if (r.ok) { form.replaceChildren(); status.textContent = T.thanks; }
      else status.textContent = T.failed + ((await r.json()).detail || r.status);
    };
  }

  // Who the visitor is, when the brand asks: before the first message (required) or during
  // the chat (optional, once). What they type is a claim: roadie never trusts it as an identity.
  function askIdentity(required) {
    if (panel.querySelector(".rc-identity")) return;
    const box = el("form", { class: "rc-form rc-identity", "aria-label": T.who });
    const name = el("input", { id: "rc-id-name", name: "name", autocomplete: "name", maxlength: "120", required: "" });
    const email = el("input", { id: "rc-id-email", name: "email", type: "email", autocomplete: "email",
                                maxlength: "254", required: "", "aria-describedby": "rc-id-hint" });
    const row = el("div", { class: "rc-row" });
    row.append(el("button", { type: "submit" }, required ? T.start : T.save));
    if (!required) {
      const skip = el("button", { type: "button", class: "rc-skip" }, T.skip);
      skip.addEventListener("click", () => { box.remove(); body.focus(); });
      row.append(skip);
    }
    box.append(el("p", { class: "rc-hint" }, required ? T.whoBefore : T.whoDuring),
               el("label", { for: "rc-id-name" }, T.name), name, el("label", { for: "rc-id-email" }, T.email), email,
               el("p", { class: "rc-hint", id: "rc-id-hint" }, T.confirmHint), row);
    box.addEventListener("submit", (e) => {
      e.preventDefault();
      socket.send(JSON.stringify({ type: "identify", name: name.value, email: email.value }));
    });
    if (required) form.hidden = true;
    panel.insertBefore(box, form);
    localStorage.setItem(askedKey, "1");
    name.focus();
  }

  function identified() {
    known = true;
    const box = panel.querySelector(".rc-identity");
    if (box) box.remove();
    form.hidden = false;
    status.textContent = T.identified;
    body.focus();
  }

  function showSurvey(offer) {
    const box = panel.querySelector(".rc-identity");
    if (box) box.remove();  // the conversation is over: the survey takes its place
    form.hidden = false;
    form.replaceChildren();
    const set = el("fieldset", {}); set.append(el("legend", {}, T.survey));
    offer.scale.forEach((n) => {
      const label = el("label", {}); const input = el("input", { type: "radio", name: "rating", value: String(n), required: "" });
      label.append(input, document.createTextNode(" " + n)); set.append(label);
    });
    const comment = el("textarea", { id: "rc-survey-comment", name: "comment", rows: "2", maxlength: "2000" });
    form.append(set, el("label", { for: "rc-survey-comment" }, T.surveyComment), comment, el("button", { type: "submit" }, T.surveySend));
    form.onsubmit = (e) => {
      e.preventDefault();
      const data = new FormData(form);
      socket.send(JSON.stringify({ type: "survey", rating: Number(data.get("rating")), comment: data.get("comment") || "" }));
    };
    form.dataset.reasons = JSON.stringify(offer.reasons);
  }

  function surveyAnswered(msg) {
    if (!msg.ask_reason) { form.replaceChildren(); status.textContent = T.surveyThanks; return; }
    const reasons = JSON.parse(form.dataset.reasons || "[]");
    form.replaceChildren();
    const select = el("select", { id: "rc-reason", name: "reason", required: "" });
    reasons.forEach((r) => select.append(el("option", { value: r.value }, r.label)));
    form.append(el("label", { for: "rc-reason" }, T.reason), select, el("button", { type: "submit" }, T.reasonSend));
    form.onsubmit = (e) => { e.preventDefault(); socket.send(JSON.stringify({ type: "survey", reason: select.value })); };
  }

  function connect() {
    wanted = true;
    if (socket && socket.readyState <= 1) return;
    socket = new WebSocket(wsOrigin + "/chat/ws/" + brand);
    api._socket = socket;
    socket.onopen = () => {
      backoff = 1000;
      socket.send(JSON.stringify({ type: "hello", session: session(), after: last }));
    };
    socket.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === "welcome") {
        if (!msg.open && !msg.resumed) { wanted = false; socket.close(); showOffline(); return; }
        localStorage.setItem(key, msg.session);
        status.textContent = T.waiting;
        ask = msg.ask || "never"; known = !!msg.known;
        if (ask === "before" && !known) askIdentity(true);
        pending.forEach((p) => socket.send(JSON.stringify(p.frame)));  // unsent while we were away
      } else if (msg.type === "message") {
        last = Math.max(last, msg.id);
        addLine(msg);
      } else if (msg.type === "ack") {
        const p = pending.get(msg.client_id);
        if (p) { pending.delete(msg.client_id); shown.add(msg.id); p.li.dataset.id = msg.id; p.li.removeAttribute("aria-busy"); }
        last = Math.max(last, msg.id);
        if (ask === "during" && !known && !localStorage.getItem(askedKey)) askIdentity(false);
      } else if (msg.type === "identified") {
        identified();
      } else if (msg.type === "status") {
        status.textContent = { active: T.active, resolved: T.resolved }[msg.status] || T.waiting;
        panel.dataset.status = msg.status;
      } else if (msg.type === "survey") {
        showSurvey(msg);
      } else if (msg.type === "survey_thanks") {
        surveyAnswered(msg);
      } else if (msg.type === "error") {
        if (msg.fatal) wanted = false;  // refused for good (e.g. this site is not declared): no retry
        status.textContent = T.failed + msg.detail;
      }
    };
    socket.onclose = () => {
      if (!wanted) return;
      status.textContent = T.reconnecting;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  form.addEventListener("submit", (e) => {
    if (form.onsubmit) return;
    e.preventDefault();
    const text = body.value.trim();
    if (!text) return;
    const id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    const li = addLine({ from: "customer", body: text });
    li.setAttribute("aria-busy", "true");
    const frame = { type: "message", body: text, client_id: id };
    pending.set(id, { frame, li });
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
    body.value = "";
  });

  const api = { open: () => toggle(true), _socket: null };
  window.RoadieChat = api;
  if (session()) toggle(true);  // a conversation in progress reopens with the page
  }
})();
