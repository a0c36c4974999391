// The list methods beyond the caller's own diary, through the official client: ada books tje0,
// tje0 accepts; ada finds the meeting in both diaries at once (GetAssociatesDiary) and in tje0's
// diary by tje0's person (GetPersonDiary); ada's to-do shows in her task list (GetMyTasks), not
// in her diary. Every start/end read back must be the instant that was saved.
import {
  HOUR,
  RecurrenceUpdateMode,
  TaskType,
  agentFor,
  check,
  equal,
  findOne,
  sameInstant,
  whoAmI,
} from "../lib/harness.mjs";

export const requires = [
  "CreateDefaultAppointmentEntity", "CreateDefaultAppointmentEntityByType", "SaveAppointmentEntity",
  "GetMyAppointments", "Accept", "GetAssociatesDiary", "GetPersonDiary", "GetMyTasks", "GetMyDiary",
];

const START = new Date(2027, 5, 15, 10, 0); // Tue 15 Jun 2027 10:00 local
const END = new Date(2027, 5, 15, 11, 0);
const BEFORE = new Date(START.getTime() - HOUR);
const AFTER = new Date(END.getTime() + HOUR);

export default async function lists(t) {
  const ada = agentFor("ada");
  const tje0 = agentFor("tje0");
  const ids = await t.step("each user learns their associate id from a default entity", async () => ({
    ada: await whoAmI(ada, "ada"), tje0: await whoAmI(tje0, "tje0"),
  }));

  const booked = await t.step("ada books a meeting with tje0, who accepts it", async () => {
    const entity = await ada.createDefaultAppointmentEntityAsync();
    entity.startDate = START;
    entity.endDate = END;
    entity.description = `Lists ${Date.now()}`;
    entity.participants = [ids.ada, ids.tje0].map((associateId) => ({ associateId, personId: 0, contactId: 0, sendEmail: false }));
    const saved = await ada.saveAppointmentEntityAsync(entity);
    const mine = await tje0.getMyAppointmentsAsync(BEFORE, AFTER, -1);
    const invitation = findOne(mine, (r) => r.motherId === saved.appointmentId, "tje0's invitation in GetMyAppointments");
    await tje0.acceptAsync(invitation.appointmentId, RecurrenceUpdateMode.OnlyThis);
    const tjePerson = findOne(saved.participants, (p) => p.associateId === ids.tje0, "tje0 among the participants").personId;
    check(tjePerson > 0, "tje0's participant has no PersonId", { tjePerson });
    return { motherId: saved.appointmentId, tjeRow: invitation.appointmentId, tjePerson };
  });

  await t.step("GetAssociatesDiary shows the meeting in both diaries", async () => {
    const rows = await ada.getAssociatesDiaryAsync([ids.ada, ids.tje0], BEFORE, AFTER);
    check(Array.isArray(rows), "GetAssociatesDiary did not answer a list", { rows });
    for (const id of [booked.motherId, booked.tjeRow]) {
      const row = findOne(rows, (r) => r.appointmentId === id, `row ${id} in GetAssociatesDiary`);
      sameInstant(row.startDate, START, `row ${id} StartDate`);
      sameInstant(row.endDate, END, `row ${id} EndDate`);
    }
    const adaOnly = await ada.getAssociatesDiaryAsync([ids.ada], BEFORE, AFTER);
    check(!adaOnly.some((r) => r.appointmentId === booked.tjeRow), "tje0's row listed in ada's diary alone");
  });

  await t.step("GetPersonDiary of tje0's person is tje0's diary", async () => {
    const rows = await ada.getPersonDiaryAsync(booked.tjePerson, BEFORE, AFTER, -1);
    const row = findOne(rows, (r) => r.appointmentId === booked.tjeRow, "tje0's row in GetPersonDiary");
    equal(row.associateId, ids.tje0, "GetPersonDiary row AssociateId");
  });

  const todo = await t.step("ada's to-do is in her task list, not in her diary", async () => {
    const entity = await ada.createDefaultAppointmentEntityByTypeAsync(TaskType.ToDo);
    entity.startDate = START;
    entity.endDate = END;
    entity.description = `To do ${Date.now()}`;
    const saved = await ada.saveAppointmentEntityAsync(entity);
    const tasks = await ada.getMyTasksAsync(-1);
    findOne(tasks, (r) => r.appointmentId === saved.appointmentId, "the to-do in GetMyTasks");
    check(!tasks.some((r) => r.appointmentId === booked.motherId), "the meeting listed in GetMyTasks");
    const diary = await ada.getMyDiaryAsync(BEFORE, AFTER, -1);
    check(!diary.some((r) => r.appointmentId === saved.appointmentId), "the to-do listed in GetMyDiary");
    return saved.appointmentId;
  });

  return { booking: booked, todo };
}
