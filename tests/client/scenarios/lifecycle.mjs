// The whole life of a booking, driven only through the official client:
// ada books tje0 and ben; tje0 sees and accepts, ben declines; ada reads both answers,
// acknowledges the decline, moves the meeting and deletes it; the invitees clean up.
// Every start/end read back must be the instant that was saved.
import {
  BookingType,
  HOUR,
  InvitationStatus,
  RecurrenceUpdateMode,
  agentFor,
  brief,
  check,
  equal,
  findOne,
  sameInstant,
  whoAmI,
} from "../lib/harness.mjs";

export const requires = [
  "CreateDefaultAppointmentEntity", "SaveAppointmentEntity", "GetAppointmentEntity", "GetAppointmentRecords",
  "GetMyAppointments", "SetSeen", "Accept", "Reject", "AcceptRejected", "Move", "Delete", "CleanUpBookingDeleted",
];

const { OnlyThis } = RecurrenceUpdateMode;
// Wall-clock times in the client's zone, as a calendar UI builds them. The move crosses the
// spring DST change of both Europe and the US, so a server that renders datetimes with one
// fixed offset (e.g. SO-Browser-TZ-Offset, taken in winter) shows up as a shift.
const START = new Date(2027, 1, 9, 10, 0); // Tue 9 Feb 2027 10:00 local
const END = new Date(2027, 1, 9, 11, 0);
const MOVED_START = new Date(2027, 3, 6, 14, 30); // Tue 6 Apr 2027 14:30 local
const MOVED_END = new Date(MOVED_START.getTime() + HOUR); // Move keeps the duration
const REASON = "Clashes with the quarterly review";

function assertTimes(row, start, end, what) {
  sameInstant(row.startDate, start, `${what} StartDate`);
  sameInstant(row.endDate, end, `${what} EndDate`);
}

// The caller's rows of this booking from GetMyAppointments around the given time.
async function myRows(agent, motherId, start, end) {
  const rows = await agent.getMyAppointmentsAsync(new Date(start.getTime() - HOUR), new Date(end.getTime() + HOUR), -1);
  check(Array.isArray(rows), "GetMyAppointments did not answer a list", { rows });
  return rows.filter((row) => row.motherId === motherId);
}

async function myInvitation(agent, user, motherId, start, end) {
  const rows = await myRows(agent, motherId, start, end);
  const row = findOne(rows, (r) => r.appointmentId !== motherId, `${user}'s invitation to ${motherId} in GetMyAppointments`);
  assertTimes(row, start, end, `${user}'s invitation`);
  return row;
}

function participant(entity, associateId, what) {
  return findOne(entity.participants, (p) => p.associateId === associateId, `${what}: participant ${associateId}`);
}

export default async function lifecycle(t) {
  const ada = agentFor("ada");
  const tje0 = agentFor("tje0");
  const ben = agentFor("ben");
  const ids = await t.step("each user learns their associate id from a default entity", async () => ({
    ada: await whoAmI(ada, "ada"), tje0: await whoAmI(tje0, "tje0"), ben: await whoAmI(ben, "ben"),
  }));
  const description = `Life-cycle ${Intl.DateTimeFormat().resolvedOptions().timeZone} ${Date.now()}`;

  const booked = await t.step("ada books a meeting with tje0 and ben", async () => {
    const entity = await ada.createDefaultAppointmentEntityAsync();
    equal(entity.appointmentId, 0, "default entity AppointmentId");
    entity.description = description;
    entity.startDate = START;
    entity.endDate = END;
    entity.participants = [ids.ada, ids.tje0, ids.ben].map((associateId) => ({ associateId, personId: 0, contactId: 0, sendEmail: false }));
    const saved = await ada.saveAppointmentEntityAsync(entity);
    check(saved?.appointmentId > 0, "SaveAppointmentEntity returned no AppointmentId", { saved: brief(saved) });
    equal(saved.motherId, saved.appointmentId, "saved booking MotherId (the organiser's row is the mother)");
    equal(saved.bookingType, BookingType.Owner, "saved booking BookingType");
    equal(saved.description, description, "saved Description");
    assertTimes(saved, START, END, "saved booking");
    equal(participant(saved, ids.ada, "saved").invitationStatus, InvitationStatus.Accepted, "organiser's InvitationStatus");
    equal(participant(saved, ids.tje0, "saved").invitationStatus, InvitationStatus.Invitation, "tje0's InvitationStatus");
    equal(participant(saved, ids.ben, "saved").invitationStatus, InvitationStatus.Invitation, "ben's InvitationStatus");
    return saved;
  });
  const motherId = booked.appointmentId;

  await t.step("ada reads the booking and saves it back unchanged: nothing shifts, nobody is re-invited", async () => {
    const entity = await ada.getAppointmentEntityAsync(motherId);
    check(entity !== null, `GetAppointmentEntity(${motherId}) returned null`);
    assertTimes(entity, START, END, "read-back booking");
    const resaved = await ada.saveAppointmentEntityAsync(entity);
    equal(resaved.appointmentId, motherId, "re-saved AppointmentId");
    assertTimes(resaved, START, END, "re-saved booking");
    const records = await ada.getAppointmentRecordsAsync(motherId, 0);
    equal(records.length, 3, "rows of the booking after the re-save (mother + two invitations)");
    for (const record of records) assertTimes(record, START, END, `record ${record.appointmentId} after the re-save`);
    for (const id of [ids.tje0, ids.ben]) {
      equal(participant(resaved, id, "re-saved").invitationStatus, InvitationStatus.Invitation, `participant ${id} after the re-save`);
    }
  });

  const tjeRow = await t.step("tje0 finds the invitation, sets it seen and accepts it", async () => {
    const row = await myInvitation(tje0, "tje0", motherId, START, END);
    equal(row.invitationStatus, InvitationStatus.Invitation, "tje0's new invitation");
    equal(row.associateId, ids.tje0, "tje0's invitation AssociateId");
    await tje0.setSeenAsync(row.appointmentId, OnlyThis);
    equal((await myInvitation(tje0, "tje0", motherId, START, END)).invitationStatus, InvitationStatus.Seen,
      "tje0's invitation after SetSeen");
    await tje0.acceptAsync(row.appointmentId, OnlyThis);
    const accepted = await myInvitation(tje0, "tje0", motherId, START, END);
    equal(accepted.invitationStatus, InvitationStatus.Accepted, "tje0's invitation after Accept");
    return row;
  });

  const benRow = await t.step("ben declines with a reason", async () => {
    const row = await myInvitation(ben, "ben", motherId, START, END);
    await ben.rejectAsync(row.appointmentId, REASON, OnlyThis);
    equal((await myInvitation(ben, "ben", motherId, START, END)).invitationStatus, InvitationStatus.Declined,
      "ben's invitation after Reject");
    return row;
  });

  await t.step("ada sees both answers in GetAppointmentRecords", async () => {
    const records = await ada.getAppointmentRecordsAsync(motherId, 0);
    const mother = findOne(records, (r) => r.appointmentId === motherId, "the mother row in GetAppointmentRecords");
    assertTimes(mother, START, END, "mother record");
    const tjeRecord = findOne(records, (r) => r.appointmentId === tjeRow.appointmentId, "tje0's row in GetAppointmentRecords");
    equal(tjeRecord.invitationStatus, InvitationStatus.Accepted, "tje0's record InvitationStatus");
    assertTimes(tjeRecord, START, END, "tje0's record");
    const benRecord = findOne(records, (r) => r.appointmentId === benRow.appointmentId, "ben's row in GetAppointmentRecords");
    equal(benRecord.invitationStatus, InvitationStatus.Declined, "ben's record InvitationStatus");
    equal(benRecord.rejectReason, REASON, "ben's record RejectReason");
    assertTimes(benRecord, START, END, "ben's record");
  });

  await t.step("ada sees both answers in GetAppointmentEntity", async () => {
    const entity = await ada.getAppointmentEntityAsync(motherId);
    check(entity !== null, `GetAppointmentEntity(${motherId}) returned null`);
    assertTimes(entity, START, END, "mother entity");
    equal(participant(entity, ids.tje0, "entity").invitationStatus, InvitationStatus.Accepted, "tje0's participant status");
    equal(participant(entity, ids.ben, "entity").invitationStatus, InvitationStatus.Declined, "ben's participant status");
    equal(entity.rejectCounter, 1, "mother RejectCounter after one decline");
  });

  await t.step("ada acknowledges ben's decline (AcceptRejected)", async () => {
    const acknowledged = await ada.acceptRejectedAsync(benRow.appointmentId, OnlyThis);
    check(acknowledged !== null, "AcceptRejected returned null");
    equal(acknowledged.rejectCounter, 0, "RejectCounter in AcceptRejected's entity");
    const entity = await ada.getAppointmentEntityAsync(motherId);
    equal(entity.rejectCounter, 0, "mother RejectCounter after AcceptRejected");
    assertTimes(entity, START, END, "mother entity after AcceptRejected");
  });

  // AcceptRejected may remove the declined row or keep it (appointment-domain.md §2.5 leaves it open).
  let benKept = false;
  await t.step("ada moves the meeting; the invitees are asked again (Moved)", async () => {
    const moved = await ada.moveAsync(motherId, MOVED_START, OnlyThis);
    check(moved !== null, "Move returned null");
    assertTimes(moved, MOVED_START, MOVED_END, "Move's entity");
    const records = await ada.getAppointmentRecordsAsync(motherId, 0);
    for (const record of records) assertTimes(record, MOVED_START, MOVED_END, `record ${record.appointmentId} after Move`);
    const tjeRecord = findOne(records, (r) => r.appointmentId === tjeRow.appointmentId, "tje0's row after Move");
    equal(tjeRecord.invitationStatus, InvitationStatus.Moved, "tje0's record after Move");
    const benRecords = records.filter((r) => r.appointmentId === benRow.appointmentId);
    benKept = benRecords.length === 1;
    if (benKept) equal(benRecords[0].invitationStatus, InvitationStatus.Moved, "ben's record after Move");
    equal((await myInvitation(tje0, "tje0", motherId, MOVED_START, MOVED_END)).invitationStatus, InvitationStatus.Moved,
      "tje0's invitation after Move");
    const entity = await ada.getAppointmentEntityAsync(motherId);
    assertTimes(entity, MOVED_START, MOVED_END, "mother entity after Move");
  });

  await t.step("ada deletes the meeting; the invitees see it cancelled", async () => {
    await ada.deleteAsync(motherId, OnlyThis, false, null, null);
    equal(await ada.getAppointmentEntityAsync(motherId), null, "GetAppointmentEntity of the deleted mother");
    equal((await myInvitation(tje0, "tje0", motherId, MOVED_START, MOVED_END)).invitationStatus, InvitationStatus.Cancelled,
      "tje0's invitation after Delete");
    if (benKept) {
      equal((await myInvitation(ben, "ben", motherId, MOVED_START, MOVED_END)).invitationStatus, InvitationStatus.Cancelled,
        "ben's invitation after Delete");
    }
  });

  await t.step("the invitees clean up the cancelled rows", async () => {
    equal(await tje0.cleanUpBookingDeletedAsync([tjeRow.appointmentId]), 1, "tje0's CleanUpBookingDeleted count");
    equal((await myRows(tje0, motherId, MOVED_START, MOVED_END)).length, 0, "tje0's rows of the booking after clean-up");
    if (benKept) {
      equal(await ben.cleanUpBookingDeletedAsync([benRow.appointmentId]), 1, "ben's CleanUpBookingDeleted count");
      equal((await myRows(ben, motherId, MOVED_START, MOVED_END)).length, 0, "ben's rows of the booking after clean-up");
    }
  });

  return { motherId, invitations: { tje0: tjeRow.appointmentId, ben: benRow.appointmentId }, declinedRowKept: benKept };
}
