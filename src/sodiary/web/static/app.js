// The diary in the browser. Every call goes to the same agent API as any client: JSON, the session
// cookie, and X-XSRF-TOKEN on every write. Times travel as instants (SO-TimeZone: UTC with offsets)
// and are shown in the browser's own zone.

const AGENT = "api/v1/Agents/Appointment/";
const SODIARY = "api/v1/Sodiary/";
const PENDING = new Set(["Invitation", "Seen", "Moved", "MovedSeen"]);
const NEW = new Set(["Invitation", "Moved"]);

const TEXT = {
  en: {
    invitations: "Invitations", week: "My week", organise: "Organise", signOut: "Sign out",
    signInTitle: "Sign in", userName: "User name", password: "Password", signIn: "Sign in",
    prevWeek: "Previous week", nextWeek: "Next week", today: "Today", close: "Close",
    newMeeting: "New meeting", title: "Title", start: "Start", minutes: "Duration (minutes)", place: "Place",
    agenda: "Agenda", participants: "Participants", repeat: "Repeats", never: "Does not repeat", weekly: "Every week", monthly: "Every month", occurrences: "Occurrences", pickSomeone: "Pick at least one participant.",
    create: "Create meeting", myMeetings: "Meetings I organise", accept: "Accept", decline: "Decline",
    onlyThis: "Only this", thisAndFollowing: "This and following", which: "Which occurrences",
    reason: "Reason (optional)", confirmDecline: "Send decline", cancel: "Cancel", organiser: "Organiser",
    when: "When", where: "Place", noInvitations: "No pending invitations.", noMeetings: "No meetings yet.",
    signedInAs: "Signed in as {name}", wrongPassword: "Sign-in failed: {message}",
    accepted: "Accepted.", declined: "Declined.", created: "Meeting created.", moved: "Meeting moved.",
    cancelled: "Meeting cancelled.", acknowledged: "Decline acknowledged.",
    conflict: "This appointment was changed or cancelled meanwhile. The list has been refreshed.",
    sessionEnded: "Your session has ended. Please sign in again.", loading: "Loading…",
    newTime: "New start", move: "Move", cancelMeeting: "Cancel meeting", acknowledge: "Acknowledge decline of {name}",
    details: "Details", pending: "pending", answersOf: "Answers",
    status: { Accepted: "accepted", Invitation: "not answered", Seen: "seen, not answered", Moved: "moved, not answered",
      MovedSeen: "moved, seen", Declined: "declined", Cancelled: "cancelled", None: "organiser", Hidden: "hidden" },
    series: "part of a series", networkError: "The server could not be reached.",
    contactPersons: "Contact persons", findContact: "Find a contact person", search: "Search",
    foundContacts: "Contact persons found: {count}.", noContacts: "No contact person found.",
    sendEmail: "Send e-mail invitations",
  },
  nb: {
    invitations: "Invitasjoner", week: "Min uke", organise: "Arranger", signOut: "Logg ut",
    signInTitle: "Logg inn", userName: "Brukernavn", password: "Passord", signIn: "Logg inn",
    prevWeek: "Forrige uke", nextWeek: "Neste uke", today: "I dag", close: "Lukk",
    newMeeting: "Nytt møte", title: "Tittel", start: "Start", minutes: "Varighet (minutter)", place: "Sted",
    agenda: "Agenda", participants: "Deltakere", repeat: "Gjentas", never: "Gjentas ikke", weekly: "Hver uke", monthly: "Hver måned", occurrences: "Antall forekomster", pickSomeone: "Velg minst én deltaker.",
    create: "Opprett møte", myMeetings: "Møter jeg arrangerer", accept: "Godta", decline: "Avslå",
    onlyThis: "Bare denne", thisAndFollowing: "Denne og følgende", which: "Hvilke forekomster",
    reason: "Begrunnelse (valgfri)", confirmDecline: "Send avslag", cancel: "Avbryt", organiser: "Arrangør",
    when: "Når", where: "Sted", noInvitations: "Ingen ubesvarte invitasjoner.", noMeetings: "Ingen møter ennå.",
    signedInAs: "Logget inn som {name}", wrongPassword: "Innlogging mislyktes: {message}",
    accepted: "Godtatt.", declined: "Avslått.", created: "Møtet er opprettet.", moved: "Møtet er flyttet.",
    cancelled: "Møtet er avlyst.", acknowledged: "Avslaget er bekreftet.",
    conflict: "Avtalen ble endret eller avlyst i mellomtiden. Listen er oppdatert.",
    sessionEnded: "Økten er utløpt. Logg inn på nytt.", loading: "Laster…",
    newTime: "Ny start", move: "Flytt", cancelMeeting: "Avlys møtet", acknowledge: "Bekreft avslaget fra {name}",
    details: "Detaljer", pending: "venter på svar", answersOf: "Svar",
    status: { Accepted: "godtatt", Invitation: "ikke besvart", Seen: "sett, ikke besvart", Moved: "flyttet, ikke besvart",
      MovedSeen: "flyttet, sett", Declined: "avslått", Cancelled: "avlyst", None: "arrangør", Hidden: "skjult" },
    series: "del av en serie", networkError: "Fikk ikke kontakt med serveren.",
    contactPersons: "Kontaktpersoner", findContact: "Finn en kontaktperson", search: "Søk",
    foundContacts: "Kontaktpersoner funnet: {count}.", noContacts: "Fant ingen kontaktperson.",
    sendEmail: "Send invitasjoner på e-post",
  },
};

const norwegian = (navigator.languages || [navigator.language]).find((l) => /^(nb|nn|no)\b/i.test(l));
const english = (navigator.languages || [navigator.language]).find((l) => /^en\b/i.test(l));
const LANG = norwegian && (!english || navigator.languages.indexOf(norwegian) < navigator.languages.indexOf(english)) ? "nb" : "en";
const T = TEXT[LANG];
// Dates and times in the browser's own format for its language (en-GB, en-US…), Norwegian as nb-NO.
const LOCALE = LANG === "nb" ? "nb-NO" : (english || "en");
const t = (key, params = {}) => (T[key] || key).replace(/\{(\w+)\}/g, (_, k) => params[k] ?? "");

const $ = (id) => document.getElementById(id);
const state = { me: null, users: new Map(), view: "invitations", weekStart: startOfWeek(new Date()) };

class ApiFailure extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function cookie(name) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

async function request(method, path, body) {
  const headers = { Accept: "application/json", "Accept-Language": LANG, "X-Requested-With": "XMLHttpRequest", "SO-TimeZone": "Etc/UTC, includeTZOffset" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-XSRF-TOKEN"] = cookie("XSRF-TOKEN");
  }
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure(0, t("networkError"));
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiFailure(response.status, (data && (data.Message || data.ErrorMessage)) || response.statusText);
  return data;
}

const agent = (method, body = {}) => request("POST", AGENT + method, body);
// The REST collections (OData pages); their rows name columns in camelCase.
const collection = (path, query) => request("GET", `api/v1/${path}?${new URLSearchParams(query)}`);

function say(message) { $("alert").textContent = ""; $("status").textContent = message; }
function warn(message) { $("status").textContent = ""; $("alert").textContent = message; }

// Every failure of an action ends here: 401 back to sign-in, 409 said and refreshed, the rest shown as the API wrote it.
async function failed(error) {
  if (error.status === 401) { signedOut(t("sessionEnded")); return; }
  if (error.status === 409) { warn(t("conflict")); await refresh(); return; }
  warn(error.message);
}

async function act(work, done) {
  try { await work(); say(done); await refresh(); } catch (error) { await failed(error); }
}

// --- time -------------------------------------------------------------------------------------------------

function startOfWeek(day) {
  const d = new Date(day.getFullYear(), day.getMonth(), day.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}
const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const dayKey = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
const timeText = (d) => d.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const whenText = (start, end) => `${start.toLocaleDateString(LOCALE, { weekday: "long", day: "numeric", month: "long", year: "numeric" })} ${timeText(start)}–${timeText(end)}`;
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

function localInputValue(d) {
  return `${dayKey(d)}T${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

// --- building blocks ---------------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== false && v !== undefined && v !== null) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

function userName(id) { return (state.users.get(id) || { FullName: `#${id}` }).FullName; }
function statusText(status) { return T.status[status] || status; }

async function rowsOf(mother) {
  const rows = await agent("GetAppointmentRecords", { MotherId: mother, RecurrenceRuleId: 0 });
  if (rows.some((row) => !row.AssociateId)) {
    // A contact person's row names no user: the booking's Participants collection names every row's person.
    const named = await collection(`Appointment/${mother}/Participants`, { $select: "appointmentId,personId,fullName", $top: "1000" });
    const byRow = new Map(named.value.map((p) => [p.appointmentId, p]));
    for (const row of rows) {
      const person = byRow.get(row.AppointmentId);
      if (!row.AssociateId && person) Object.assign(row, { personOfRow: person.personId, nameOfRow: person.fullName });
    }
  }
  return rows;
}

const participantName = (row) => (row.AssociateId ? userName(row.AssociateId) : row.nameOfRow || `#${row.AppointmentId}`);

function answersList(rows, motherId, withReasons = true) {
  const list = el("ul", { class: "answers", "aria-label": t("answersOf") });
  for (const row of rows) {
    if (row.AppointmentId === motherId) continue;
    const reason = withReasons && row.RejectReason ? ` — “${row.RejectReason}”` : "";
    list.append(el("li", { "data-associate": row.AssociateId, "data-person": row.personOfRow, "data-status": row.InvitationStatus },
      `${participantName(row)}: ${statusText(row.InvitationStatus)}${reason}`));
  }
  return list;
}

function modeChoice(name) {
  const only = nextId("mode"), forward = nextId("mode");
  return el("fieldset", { class: "mode" }, el("legend", {}, t("which")),
    el("label", { class: "inline", for: only }, el("input", { type: "radio", id: only, name, value: "OnlyThis", checked: true }), t("onlyThis")),
    el("label", { class: "inline", for: forward }, el("input", { type: "radio", id: forward, name, value: "ThisAndForward" }), t("thisAndFollowing")));
}
const chosenMode = (scope) => (scope.querySelector(".mode input:checked") || { value: "OnlyThis" }).value;

// --- invitations -------------------------------------------------------------------------------------------

async function myAppointments(from, to) {
  return agent("GetMyAppointments", { StartTime: from.toISOString(), EndTime: to.toISOString(), Count: -1 });
}

async function loadInvitations() {
  const now = new Date();
  const all = await myAppointments(addDays(now, -1), addDays(now, 400));
  const pending = all.filter((a) => a.BookingType === "Participant" && PENDING.has(a.InvitationStatus));
  const list = $("inv-list");
  const items = await Promise.all(pending.map(invitationCard));
  list.replaceChildren(...(items.length ? items : [el("li", {}, t("noInvitations"))]));
}

async function invitationCard(a) {
  const rows = await rowsOf(a.MotherId);
  const start = new Date(a.StartDate), end = new Date(a.EndDate);
  const headingId = nextId("inv");
  const card = el("li", { class: "card invitation", "data-id": a.AppointmentId, "aria-labelledby": headingId });
  const summary = el("summary", {}, el("strong", { id: headingId }, a.Title || a.Description), " · ", whenText(start, end),
    NEW.has(a.InvitationStatus) ? el("span", { class: "badge" }, ` (${statusText(a.InvitationStatus)})`) : null);
  const details = el("details", {}, summary,
    el("p", { class: "meta" }, `${t("organiser")}: ${userName(a.MotherAssociateId)}`),
    el("p", { class: "meta" }, `${t("when")}: `, el("time", { datetime: a.StartDate }, whenText(start, end))),
    a.Location ? el("p", { class: "meta" }, `${t("where")}: ${a.Location}`) : null,
    a.IsRecurrence ? el("p", { class: "meta" }, t("series")) : null,
    a.Agenda ? el("p", { class: "agenda" }, `${t("agenda")}: ${a.Agenda}`) : null,
    answersList(rows.filter((r) => r.AssociateId !== state.me.AssociateId), a.MotherId, false));
  details.addEventListener("toggle", () => {
    if (details.open && NEW.has(a.InvitationStatus)) {
      a.InvitationStatus = "Seen";
      agent("SetSeen", { AppointmentId: a.AppointmentId }).catch(failed);
    }
  });
  const mode = a.IsRecurrence ? modeChoice(nextId("m")) : null;
  const reasonId = nextId("reason");
  const declineForm = el("form", { class: "decline", hidden: true },
    el("label", { for: reasonId }, t("reason")), el("textarea", { id: reasonId, rows: 2, maxlength: 254 }),
    el("div", { class: "actions" },
      el("button", { type: "submit" }, t("confirmDecline")),
      el("button", { type: "button", class: "secondary", onclick: () => { declineForm.hidden = true; } }, t("cancel"))));
  declineForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { AppointmentId: a.AppointmentId, RejectReason: $(reasonId).value, UpdateMode: chosenMode(card) };
    act(() => agent("Reject", body), t("declined"));
  });
  const actions = el("div", { class: "actions" },
    el("button", { type: "button", onclick: () => act(() => agent("Accept", { AppointmentId: a.AppointmentId, UpdateMode: chosenMode(card) }), t("accepted")) }, t("accept")),
    el("button", { type: "button", class: "secondary", onclick: () => { declineForm.hidden = false; $(reasonId).focus(); } }, t("decline")));
  card.append(...[details, mode, actions, declineForm].filter(Boolean));
  return card;
}

// --- week --------------------------------------------------------------------------------------------------

async function loadWeek() {
  const from = state.weekStart, to = addDays(from, 7);
  const all = await myAppointments(from, to);
  const shown = all.filter((a) => a.InvitationStatus !== "Declined" && a.InvitationStatus !== "Cancelled" && a.InvitationStatus !== "Hidden");
  shown.sort((x, y) => new Date(x.StartDate) - new Date(y.StartDate));
  const today = dayKey(new Date());
  $("week-label").textContent = `${from.toLocaleDateString(LOCALE, { day: "numeric", month: "short" })} – ${addDays(from, 6).toLocaleDateString(LOCALE, { day: "numeric", month: "short", year: "numeric" })}`;
  const days = [];
  for (let i = 0; i < 7; i++) {
    const day = addDays(from, i), key = dayKey(day), headingId = `day-${key}`;
    const items = shown.filter((a) => dayKey(new Date(a.StartDate)) === key).map((a) => {
      const pending = PENDING.has(a.InvitationStatus) && a.BookingType === "Participant";
      const label = `${timeText(new Date(a.StartDate))} ${a.Title || a.Description}${pending ? ` (${t("pending")})` : ""}`;
      return el("li", {}, el("button", { type: "button", class: pending ? "pending" : "", "data-id": a.AppointmentId,
        "data-start": a.StartDate, onclick: () => showDetails(a) }, label));
    });
    days.push(el("li", { class: key === today ? "day today" : "day", "data-day": key, "aria-labelledby": headingId },
      el("h3", { id: headingId }, day.toLocaleDateString(LOCALE, { weekday: "short", day: "numeric", month: "short" })),
      el("ul", {}, items)));
  }
  $("week-days").replaceChildren(...days);
}

async function showDetails(a) {
  try {
    const rows = a.MotherId ? await rowsOf(a.MotherId) : [];
    const start = new Date(a.StartDate), end = new Date(a.EndDate);
    $("details-h").textContent = a.Title || a.Description;
    $("details-body").replaceChildren(...[
      el("p", { class: "meta" }, `${t("when")}: `, el("time", { datetime: a.StartDate }, whenText(start, end))),
      a.Location ? el("p", { class: "meta" }, `${t("where")}: ${a.Location}`) : null,
      a.MotherAssociateId ? el("p", { class: "meta" }, `${t("organiser")}: ${userName(a.MotherAssociateId)}`) : null,
      a.Agenda ? el("p", {}, a.Agenda) : null,
      rows.length ? answersList(rows, a.MotherId) : null].filter(Boolean));
    $("details").hidden = false;
    $("details").focus();
  } catch (error) { await failed(error); }
}

// --- organise ----------------------------------------------------------------------------------------------

function fillPeople() {
  const box = $("m-people");
  box.replaceChildren(...[...state.users.values()].filter((u) => u.AssociateId !== state.me.AssociateId).map((u) => {
    const id = `p-${u.AssociateId}`;
    return el("label", { for: id }, el("input", { type: "checkbox", id, value: u.AssociateId, name: "people" }), `${u.FullName} (${u.Name})`);
  }));
}

const quoted = (text) => `'${text.replace(/'/g, "''")}'`;

// Contact persons come from the address book (GET /api/v1/Person) by the beginning of a name or address;
// persons who are users are left out, the users' own list already offers them.
async function findContacts() {
  const words = $("m-find").value.trim().split(/\s+/).filter(Boolean).slice(0, 4);
  if (!words.length) { $("m-find").focus(); return; }
  try {
    const filter = words.map((w) => `(firstname begins ${quoted(w)} or lastname begins ${quoted(w)} or email begins ${quoted(w)})`).join(" and ");
    const found = (await collection("Person", { $filter: filter, $select: "personId,firstname,lastname,email,contactId",
      $orderBy: "lastname,firstname", $top: "25" })).value;
    const ids = found.map((p) => p.personId);
    const companies = [...new Set(found.map((p) => p.contactId).filter(Boolean))];
    const none = { value: [] };
    const [users, contacts] = await Promise.all([
      ids.length ? collection("Associate", { $filter: `personId oneOf (${ids.join(", ")})`, $select: "personId" }) : none,
      companies.length ? collection("Contact", { $filter: `contactId oneOf (${companies.join(", ")})`, $select: "contactId,name" }) : none]);
    const isUser = new Set(users.value.map((u) => u.personId));
    const company = new Map(contacts.value.map((c) => [c.contactId, c.name]));
    const persons = found.filter((p) => !isUser.has(p.personId));
    showContacts(persons.map((p) => {
      const name = [p.firstname, p.lastname].filter(Boolean).join(" ");
      const where = company.get(p.contactId) || p.email;
      return { id: p.personId, label: where ? `${name} (${where})` : name };
    }));
    say(persons.length ? t("foundContacts", { count: persons.length }) : t("noContacts"));
  } catch (error) { await failed(error); }
}

// Picked persons stay while another search replaces the ones not picked.
function showContacts(persons) {
  const box = $("m-contacts");
  const kept = [...box.querySelectorAll("label")].filter((l) => l.querySelector("input").checked);
  const have = new Set(kept.map((l) => Number(l.querySelector("input").value)));
  box.replaceChildren(...kept, ...persons.filter((p) => !have.has(p.id)).map((p) => {
    const id = `c-${p.id}`;
    return el("label", { for: id }, el("input", { type: "checkbox", id, value: p.id, name: "contacts" }), p.label);
  }));
}

async function createMeeting(event) {
  event.preventDefault();
  const start = new Date($("m-start").value);
  const end = new Date(start.getTime() + Number($("m-minutes").value) * 60000);
  const picked = (selector) => [...document.querySelectorAll(`${selector} input:checked`)].map((i) => Number(i.value));
  const invitees = picked("#m-people"), persons = picked("#m-contacts");
  // A booking is a meeting with someone; an appointment for oneself alone belongs in a diary client.
  if (!invitees.length && !persons.length) { warn(t("pickSomeone")); document.querySelector("#m-people input")?.focus(); return; }
  // Each invitee's own SendEmail says whether the save mails them the invitation (SaveAppointmentEntity).
  const email = $("m-email").checked;
  await act(async () => {
    const entity = await agent("CreateDefaultAppointmentEntity");
    Object.assign(entity, { Title: $("m-title").value, StartDate: start.toISOString(), EndDate: end.toISOString(),
      Location: $("m-place").value, Agenda: $("m-agenda").value,
      Participants: [{ AssociateId: state.me.AssociateId },
        ...invitees.map((id) => ({ AssociateId: id, SendEmail: email })),
        ...persons.map((id) => ({ PersonId: id, SendEmail: email }))] });
    const repeat = $("m-repeat").value;
    if (repeat) {
      // The rule is applied to the server's wall clock: the weekday or day of month there, not here.
      const base = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: state.me.BaseTimeZone || "UTC",
        weekday: "long", day: "numeric" }).formatToParts(start).map((p) => [p.type, p.value]));
      entity.Recurrence = { IsRecurrence: true, Pattern: repeat, RecurrenceEndType: "Counter",
        RecurrenceCounter: Number($("m-count").value) };
      if (repeat === "Weekly") entity.Recurrence.WeekPattern = { Cycle: 1, Weekdays: base.weekday };
      else entity.Recurrence.MonthPattern = { Pattern: "DayOfMonth", Cycle: 1, Day: Number(base.day) };
    }
    await agent("SaveAppointmentEntity", entity);
    $("new-form").reset();
    $("m-contacts").replaceChildren();
  }, t("created"));
}

async function loadOrganised() {
  const now = new Date();
  const all = await myAppointments(addDays(now, -30), addDays(now, 400));
  const mine = all.filter((a) => a.IsBookingMain && a.AssociateId === state.me.AssociateId);
  const cards = await Promise.all(mine.map(meetingCard));
  $("org-list").replaceChildren(...(cards.length ? cards : [el("li", {}, t("noMeetings"))]));
}

async function meetingCard(a) {
  const rows = await rowsOf(a.AppointmentId);
  const start = new Date(a.StartDate), end = new Date(a.EndDate);
  const headingId = nextId("meeting"), moveId = nextId("move");
  const card = el("li", { class: "card meeting", "data-id": a.AppointmentId, "aria-labelledby": headingId },
    el("h4", { id: headingId }, a.Title || a.Description),
    el("p", { class: "meta" }, el("time", { datetime: a.StartDate }, whenText(start, end)), a.Location ? ` · ${a.Location}` : ""),
    answersList(rows, a.AppointmentId));
  const mode = a.IsRecurrence ? modeChoice(nextId("m")) : null;
  const acks = rows.filter((r) => r.InvitationStatus === "Declined").map((r) =>
    el("button", { type: "button", class: "secondary", onclick: () => act(() => agent("AcceptRejected", { AppointmentId: r.AppointmentId }), t("acknowledged")) },
      t("acknowledge", { name: participantName(r) })));
  const actions = el("div", { class: "actions" },
    el("div", {}, el("label", { for: moveId }, t("newTime")), el("input", { id: moveId, type: "datetime-local", value: localInputValue(start) })),
    el("button", { type: "button", onclick: () => act(() => agent("Move", { AppointmentId: a.AppointmentId,
      NewStartTime: new Date($(moveId).value).toISOString(), UpdateMode: chosenMode(card) }), t("moved")) }, t("move")),
    el("button", { type: "button", class: "secondary", onclick: () => act(() => agent("Delete", { AppointmentId: a.AppointmentId,
      UpdateMode: chosenMode(card) }), t("cancelled")) }, t("cancelMeeting")),
    acks);
  card.append(mode || "", actions);
  return card;
}

// --- views and sign-in -------------------------------------------------------------------------------------

const LOADERS = { invitations: loadInvitations, week: loadWeek, organise: loadOrganised };

async function refresh() {
  if (!state.me) return;
  try { await LOADERS[state.view](); } catch (error) {
    if (error.status === 401) signedOut(t("sessionEnded")); else warn(error.message);
  }
}

async function show(view) {
  state.view = view;
  for (const name of ["signin", ...Object.keys(LOADERS)]) $(name).hidden = name !== view;
  for (const b of document.querySelectorAll("nav [data-view]")) {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  $("details").hidden = true;
  await refresh();
  document.body.dataset.ready = view;
}

async function signedIn() {
  state.me = await request("GET", SODIARY + "Me");
  const users = await request("GET", SODIARY + "Users");
  state.users = new Map(users.map((u) => [u.AssociateId, u]));
  $("who").textContent = t("signedInAs", { name: userName(state.me.AssociateId) });
  $("nav").hidden = false;
  fillPeople();
  await show(state.view === "signin" ? "invitations" : state.view);
}

function signedOut(message) {
  state.me = null;
  $("nav").hidden = true;
  for (const name of Object.keys(LOADERS)) $(name).hidden = true;
  $("signin").hidden = false;
  state.view = "signin";
  if (message) warn(message);
  document.body.dataset.ready = "signin";
  $("username").focus();
}

async function signIn(event) {
  event.preventDefault();
  try {
    await request("POST", SODIARY + "Session", { UserName: $("username").value, Password: $("password").value });
    $("password").value = "";
    say("");
    await signedIn();
  } catch (error) {
    warn(error.status === 0 ? error.message : t("wrongPassword", { message: error.message }));
  }
}

async function signOut() {
  try { await request("DELETE", SODIARY + "Session"); } catch { /* signed out either way */ }
  say("");
  signedOut("");
}

function translate() {
  document.documentElement.lang = LANG === "nb" ? "nb" : "en";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = `sodiary — ${t("week")}`;
  $("nav").setAttribute("aria-label", LANG === "nb" ? "Hovedmeny" : "Main");
}

function start() {
  translate();
  document.body.dataset.zone = ZONE;
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("new-form").addEventListener("submit", createMeeting);
  $("m-find-go").addEventListener("click", findContacts);
  $("m-find").addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); findContacts(); } });
  for (const b of document.querySelectorAll("nav [data-view]")) b.addEventListener("click", () => show(b.dataset.view));
  $("week-prev").addEventListener("click", () => { state.weekStart = addDays(state.weekStart, -7); refresh(); });
  $("week-next").addEventListener("click", () => { state.weekStart = addDays(state.weekStart, 7); refresh(); });
  $("week-today").addEventListener("click", () => { state.weekStart = startOfWeek(new Date()); refresh(); });
  $("details-close").addEventListener("click", () => { $("details").hidden = true; });
  $("m-start").value = localInputValue(new Date(Math.ceil(Date.now() / 3600000) * 3600000 + 86400000));
  signedIn().catch((error) => signedOut(error.status === 401 ? "" : error.message));
}

start();
