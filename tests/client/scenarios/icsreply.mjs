// An invitee's answer from their own calendar app, through the official client (issue 15): ada books a
// meeting for a UID with ben and tje0 invited (CreateAppointmentForUID, as an importer would); ben's Outlook
// sends an iTIP REPLY (ACCEPTED) and tje0's Google Calendar one for DECLINED with a comment; ada hands each in
// with UpdateAppointmentFromIcsResponse; then the organiser's entity and each invitee's own row show the
// answers, at the instants that were saved.
import { HOUR, InvitationStatus, agentFor, check, equal, findOne, sameInstant, whoAmI } from "../lib/harness.mjs";

export const requires = [
  "CreateDefaultAppointmentEntity", "CreateAppointmentForUID", "GetUIDFromAppointmentId",
  "UpdateAppointmentFromIcsResponse", "GetAppointmentEntity", "GetMyAppointments",
];

const START = new Date(2027, 9, 12, 10, 0); // Tue 12 Oct 2027 10:00 local
const END = new Date(START.getTime() + HOUR);

function utc(date) {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function reply(uid, address, partstat, extra) {
  return [
    "BEGIN:VCALENDAR", "METHOD:REPLY", "VERSION:2.0", ...extra.calendar,
    "BEGIN:VEVENT", `UID:${uid}`, `DTSTAMP:${utc(new Date())}`, "SEQUENCE:0",
    `DTSTART:${utc(START)}`, `DTEND:${utc(END)}`,
    `ATTENDEE;PARTSTAT=${partstat}:${address}`, ...extra.event,
    "END:VEVENT", "END:VCALENDAR", "",
  ].join("\r\n");
}

export default async function icsreply(t) {
  const ada = agentFor("ada");
  const ben = agentFor("ben");
  const tje0 = agentFor("tje0");
  const ids = { ada: await whoAmI(ada, "ada"), ben: await whoAmI(ben, "ben"), tje0: await whoAmI(tje0, "tje0") };
  const uid = `client-scenario-${Date.now()}@example.net`;

  const motherId = await t.step("ada books the meeting for its UID with ben and tje0 invited", async () => {
    const entity = await ada.createDefaultAppointmentEntityAsync();
    entity.startDate = START;
    entity.endDate = END;
    entity.description = `Reply from a calendar app ${Date.now()}`;
    entity.participants = [ids.ada, ids.ben, ids.tje0].map((associateId) => ({ associateId, personId: 0, contactId: 0, sendEmail: false }));
    const saved = await ada.createAppointmentForUIDAsync(entity, uid);
    check(saved && saved.appointmentId > 0, "CreateAppointmentForUID created nothing", { saved });
    equal(await ada.getUIDFromAppointmentIdAsync(saved.appointmentId, true), uid, "the booking's UID");
    return saved.appointmentId;
  });

  await t.step("ben's Outlook accepts and tje0's Google Calendar declines with a comment", async () => {
    const outlook = reply(uid, "MAILTO:BEN@example.com", "ACCEPTED", {
      calendar: ["PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN"],
      event: ["X-MICROSOFT-CDO-REPLYTIME:20271001T080000Z"],
    });
    const google = reply(uid, "mailto:tje0@example.com", "DECLINED", {
      calendar: ["PRODID:-//Google Inc//Google Calendar 70.9054//EN", "CALSCALE:GREGORIAN"],
      event: ["COMMENT:Travelling\\, sorry"],
    });
    check(await ada.updateAppointmentFromIcsResponseAsync("ben@example.com", outlook) === true,
      "UpdateAppointmentFromIcsResponse refused ben's reply");
    check(await ada.updateAppointmentFromIcsResponseAsync("tje0@example.com", google) === true,
      "UpdateAppointmentFromIcsResponse refused tje0's reply");
  });

  await t.step("the organiser's entity shows both answers at the saved instants", async () => {
    const entity = await ada.getAppointmentEntityAsync(motherId);
    sameInstant(entity.startDate, START, "the entity's StartDate");
    const of = (id) => findOne(entity.participants, (p) => p.associateId === id, `participant ${id}`);
    equal(of(ids.ben).invitationStatus, InvitationStatus.Accepted, "ben's InvitationStatus");
    equal(of(ids.tje0).invitationStatus, InvitationStatus.Declined, "tje0's InvitationStatus");
  });

  await t.step("each invitee's own list shows their answer", async () => {
    const benRows = await ben.getMyAppointmentsAsync(START, END, -1);
    const benRow = findOne(benRows, (r) => r.motherId === motherId, "ben's row of the meeting");
    sameInstant(benRow.startDate, START, "ben's StartDate");
    equal(benRow.invitationStatus, InvitationStatus.Accepted, "ben's own row");
  });

  return { motherId, uid };
}
