// A weekly recurring booking saved and read back through the official client, without a
// time shift: ada books four Fridays with tje0 invited; an occurrence saved back as read changes
// nothing; then ada makes it every other Friday from the second occurrence on.
import {
  HOUR,
  InvitationStatus,
  RecurrenceEndType,
  RecurrencePattern,
  WEEK,
  Weekday,
  agentFor,
  brief,
  check,
  equal,
  sameInstant,
  sameLocalDate,
  whoAmI,
} from "../lib/harness.mjs";

export const requires = [
  "CreateDefaultAppointmentEntity", "SaveAppointmentEntity", "GetAppointmentEntity", "GetAppointmentRecords",
  "GetMyAppointments",
];

// Four Fridays in January 2027, 13:00-14:00 local: no DST change in between in any zone the
// tests use, so every occurrence is exactly a week after the previous one.
const START = new Date(2027, 0, 8, 13, 0);
const END = new Date(2027, 0, 8, 14, 0);
const OCCURRENCES = 4;
const starts = Array.from({ length: OCCURRENCES }, (_, week) => new Date(START.getTime() + week * WEEK));

// The recurrence as a UI sends it: date-only start = local midnight (official-client-wire.md §5.2).
function weeklyOnFridays(defaults) {
  return {
    ...defaults,
    recurrenceId: 0,
    isRecurrence: true,
    pattern: RecurrencePattern.Weekly,
    weekPattern: { cycle: 1, weekdays: Weekday.Friday },
    dayPattern: null,
    monthPattern: null,
    yearPattern: null,
    recurrenceEndType: RecurrenceEndType.Counter,
    recurrenceCounter: OCCURRENCES,
    startDate: new Date(2027, 0, 8),
    endDate: null,
    dates: [],
  };
}

function assertRecurrence(entity, what) {
  const r = entity.recurrence;
  check(r !== null && r !== undefined, `${what}: no Recurrence`);
  equal(r.isRecurrence, true, `${what} Recurrence.IsRecurrence`);
  check(r.recurrenceId > 0, `${what}: Recurrence.RecurrenceId is not set`, { recurrence: r });
  equal(r.pattern, RecurrencePattern.Weekly, `${what} Recurrence.Pattern`);
  equal(r.weekPattern?.cycle, 1, `${what} Recurrence.WeekPattern.Cycle`);
  equal(r.weekPattern?.weekdays, Weekday.Friday, `${what} Recurrence.WeekPattern.Weekdays`);
  equal(r.recurrenceEndType, RecurrenceEndType.Counter, `${what} Recurrence.RecurrenceEndType`);
  equal(r.recurrenceCounter, OCCURRENCES, `${what} Recurrence.RecurrenceCounter`);
  sameLocalDate(r.startDate, START, `${what} Recurrence.StartDate`);
  sameInstant(entity.startDate, START, `${what} StartDate`);
  sameInstant(entity.endDate, END, `${what} EndDate`);
}

// One row per week, each an hour long, each exactly a week after the one before.
function assertWeekly(rows, what) {
  const sorted = [...rows].sort((a, b) => a.startDate - b.startDate);
  equal(sorted.length, OCCURRENCES, `${what}: number of occurrences`);
  sorted.forEach((row, week) => {
    sameInstant(row.startDate, starts[week], `${what} week ${week + 1} StartDate`);
    sameInstant(row.endDate, new Date(starts[week].getTime() + HOUR), `${what} week ${week + 1} EndDate`);
  });
}

export default async function recurring(t) {
  const ada = agentFor("ada");
  const tje0 = agentFor("tje0");
  const ids = await t.step("each user learns their associate id from a default entity", async () => ({
    ada: await whoAmI(ada, "ada"), tje0: await whoAmI(tje0, "tje0"),
  }));

  const saved = await t.step("ada saves a weekly booking on four Fridays with tje0 invited", async () => {
    const entity = await ada.createDefaultAppointmentEntityAsync();
    entity.description = `Weekly ${Intl.DateTimeFormat().resolvedOptions().timeZone} ${Date.now()}`;
    entity.startDate = START;
    entity.endDate = END;
    entity.recurrence = weeklyOnFridays(entity.recurrence ?? {});
    entity.participants = [ids.ada, ids.tje0].map((associateId) => ({ associateId, personId: 0, contactId: 0, sendEmail: false }));
    const result = await ada.saveAppointmentEntityAsync(entity);
    check(result?.appointmentId > 0, "SaveAppointmentEntity returned no AppointmentId", { saved: brief(result) });
    assertRecurrence(result, "saved entity");
    return result;
  });

  await t.step("GetAppointmentEntity reads the series back unchanged", async () => {
    const entity = await ada.getAppointmentEntityAsync(saved.appointmentId);
    check(entity !== null, `GetAppointmentEntity(${saved.appointmentId}) returned null`);
    assertRecurrence(entity, "read-back entity");
  });

  const motherIds = await t.step("GetAppointmentRecords lists every occurrence at the saved time", async () => {
    const records = await ada.getAppointmentRecordsAsync(saved.motherId, saved.recurrence.recurrenceId);
    check(Array.isArray(records), "GetAppointmentRecords did not answer a list", { records });
    const mothers = records.filter((r) => r.appointmentId === r.motherId);
    const children = records.filter((r) => r.appointmentId !== r.motherId);
    assertWeekly(mothers, "ada's occurrences");
    assertWeekly(children, "tje0's occurrences");
    for (const child of children) equal(child.associateId, ids.tje0, `occurrence ${child.appointmentId} AssociateId`);
    return new Set(mothers.map((r) => r.appointmentId));
  });

  await t.step("tje0 finds every occurrence as an invitation at the saved time", async () => {
    const last = starts[OCCURRENCES - 1];
    const rows = await tje0.getMyAppointmentsAsync(new Date(START.getTime() - HOUR), new Date(last.getTime() + 2 * HOUR), -1);
    const mine = rows.filter((r) => motherIds.has(r.motherId));
    assertWeekly(mine, "tje0's invitations");
    for (const row of mine) equal(row.invitationStatus, InvitationStatus.Invitation, `invitation ${row.appointmentId} status`);
  });

  const mothersOf = async (ruleId) => {
    const records = await ada.getAppointmentRecordsAsync(0, ruleId);
    return records.filter((r) => r.appointmentId === r.motherId).sort((a, b) => a.startDate - b.startDate);
  };
  const second = (await mothersOf(saved.recurrence.recurrenceId))[1];

  await t.step("ada saves the second occurrence back as read: the series stays as it was", async () => {
    const entity = await ada.getAppointmentEntityAsync(second.appointmentId);
    const resaved = await ada.saveAppointmentEntityAsync(entity);
    equal(resaved.recurrence.recurrenceId, saved.recurrence.recurrenceId, "RecurrenceId after saving back");
    assertWeekly(await mothersOf(saved.recurrence.recurrenceId), "ada's occurrences after saving back");
  });

  await t.step("ada makes it every other Friday from the second occurrence, twice", async () => {
    const entity = await ada.getAppointmentEntityAsync(second.appointmentId);
    entity.recurrence.weekPattern = { cycle: 2, weekdays: Weekday.Friday };
    entity.recurrence.recurrenceCounter = 2;
    const changed = await ada.saveAppointmentEntityAsync(entity);
    equal(changed.appointmentId, second.appointmentId, "the changed occurrence keeps its id");
    check(changed.recurrence.recurrenceId !== saved.recurrence.recurrenceId, "no new rule for the changed series",
      { recurrence: changed.recurrence });
    equal(changed.recurrence.weekPattern?.cycle, 2, "new WeekPattern.Cycle");
    const before = await mothersOf(saved.recurrence.recurrenceId);
    equal(before.length, 1, "occurrences left on the old rule");
    sameInstant(before[0].startDate, starts[0], "the first Friday");
    const after = await mothersOf(changed.recurrence.recurrenceId);
    equal(after.length, 2, "occurrences of the new rule");
    sameInstant(after[0].startDate, starts[1], "new rule, first occurrence");
    sameInstant(after[1].startDate, starts[3], "new rule, second occurrence (two weeks later)");
  });

  return { motherId: saved.motherId, recurrenceId: saved.recurrence.recurrenceId, occurrences: [...motherIds] };
}
