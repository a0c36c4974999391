// The lists by task heading, user group and project, and published appointments, through the official
// client (issue 17). The test seeds a task under a heading, a user group of ada and ben, and a project
// with ben as a member, and passes their ids in SODIARY_SCENARIO_IDS. ada saves a published project
// appointment of that task; ben saves one of his own at the same time. Every start read back must be
// the instant that was saved.
import { HOUR, agentFor, check, equal, findOne, sameInstant } from "../lib/harness.mjs";

export const requires = [
  "CreateDefaultAppointmentEntity", "SaveAppointmentEntity", "GetAppointmentsByTaskHeading", "GetDiaryByGroup",
  "GetProjectAppointments", "GetProjectMemberAppointments", "GetPublishedAppointment",
  "GetMyPublishedAppointments", "CanAssignToProjectMember",
];

const START = new Date(2027, 8, 14, 13, 0); // Tue 14 Sep 2027 13:00 local
const END = new Date(2027, 8, 14, 14, 0);
const BEFORE = new Date(START.getTime() - HOUR);
const AFTER = new Date(END.getTime() + HOUR);
const USERGROUP = 1; // DiaryGroupType: Userdefined, Usergroup, ResourceHeadings

function seeded() {
  const ids = JSON.parse(process.env.SODIARY_SCENARIO_IDS ?? "null");
  check(ids && ids.taskId > 0 && ids.headingId > 0 && ids.groupId > 0 && ids.projectId > 0,
    "SODIARY_SCENARIO_IDS does not name the seeded task, heading, group and project", { ids });
  return ids;
}

async function saveAt(agent, members) {
  const entity = await agent.createDefaultAppointmentEntityAsync();
  entity.startDate = START;
  entity.endDate = END;
  entity.description = `Groupings ${Date.now()}`;
  Object.assign(entity, members);
  return agent.saveAppointmentEntityAsync(entity);
}

export default async function groupings(t) {
  const ids = seeded();
  const ada = agentFor("ada");
  const ben = agentFor("ben");

  const saved = await t.step("ada saves a published project appointment of the heading's task; ben one of his own",
    async () => {
      const day = 24 * HOUR;
      const mine = await saveAt(ada, {
        task: { taskListItemId: ids.taskId }, project: { projectId: ids.projectId }, isPublished: true,
        publishFrom: new Date(Date.now() - 2 * day), publishTo: new Date(Date.now() + 30 * day),
      });
      equal(mine.task?.taskListItemId, ids.taskId, "the saved Task");
      equal(mine.project?.projectId, ids.projectId, "the saved Project");
      check(mine.isPublished === true, "the saved entity is not published", { isPublished: mine.isPublished });
      const his = await saveAt(ben, {});
      return { ada: mine.appointmentId, ben: his.appointmentId };
    });

  await t.step("GetAppointmentsByTaskHeading lists ada's appointment", async () => {
    const rows = await ada.getAppointmentsByTaskHeadingAsync(ids.headingId);
    const row = findOne(rows, (r) => r.appointmentId === saved.ada, "ada's row by task heading");
    sameInstant(row.startDate, START, "the heading row's StartDate");
  });

  await t.step("GetDiaryByGroup of the user group shows both diaries", async () => {
    const rows = await ada.getDiaryByGroupAsync(ids.groupId, USERGROUP, BEFORE, AFTER, -1);
    for (const id of [saved.ada, saved.ben]) {
      const row = findOne(rows, (r) => r.appointmentId === id, `row ${id} in GetDiaryByGroup`);
      sameInstant(row.startDate, START, `row ${id} StartDate`);
      sameInstant(row.endDate, END, `row ${id} EndDate`);
    }
  });

  await t.step("the project lists hold ada's appointment with its project", async () => {
    const rows = await ben.getProjectAppointmentsAsync(ids.projectId, BEFORE, AFTER, -1);
    const row = findOne(rows, (r) => r.appointmentId === saved.ada, "ada's row in GetProjectAppointments");
    equal(row.projectId, ids.projectId, "the row's ProjectId");
    check(row.projectName.length > 0, "the row names no project", { row });
    const members = await ben.getProjectMemberAppointmentsAsync(ids.benPersonId, BEFORE, AFTER, -1);
    findOne(members, (r) => r.appointmentId === saved.ada, "ada's row among ben's projects' appointments");
    check(await ada.canAssignToProjectMemberAsync(ids.projectId, 0) === true,
      "CanAssignToProjectMember is false for a project with a user member");
  });

  await t.step("the published appointment is found as published", async () => {
    const one = await ben.getPublishedAppointmentAsync(saved.ada);
    check(one?.appointmentId === saved.ada && one.isPublished === true, "GetPublishedAppointment", { one });
    sameInstant(one.startDate, START, "the published row's StartDate");
    const mine = await ada.getMyPublishedAppointmentsAsync();
    findOne(mine, (r) => r.appointmentId === saved.ada, "ada's row in GetMyPublishedAppointments");
    check(await ben.getPublishedAppointmentAsync(saved.ben) === null, "ben's unpublished row is published");
  });

  return saved;
}
