// The one helper module of the client scenarios: agents per user, steps, and assertions.
//
// The package is loaded as CommonJS: its ESM build has extension-less relative imports that
// Node refuses (official-client-wire.md §1).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const so = require("@superoffice/webapi");
export const {
  AppointmentAgent,
  BookingType,
  InvitationStatus,
  RecurrenceEndType,
  RecurrencePattern,
  RecurrenceUpdateMode,
  TaskType,
  Weekday,
} = so;

export const PASSWORDS = { ada: "Ada", ben: "Ben", tje0: "Tje0" };

export function baseUrl() {
  const url = process.env.BASE_URL;
  if (!url) throw new Error("BASE_URL is not set (e.g. BASE_URL=http://127.0.0.1:8000)");
  return url;
}

// Every agent gets its own {auth} config: the WebApi auth helpers write process-global
// options, so mixing users through them would send the wrong user's credentials (§3).
export function agentFor(user, password = PASSWORDS[user]) {
  return new AppointmentAgent(baseUrl(), { auth: { username: user, password }, timeout: 30000 });
}

// The associate id of the agent's user, as a client learns it: from its own default entity.
export async function whoAmI(agent, user) {
  const entity = await agent.createDefaultAppointmentEntityAsync();
  check(entity?.associate?.associateId > 0, `CreateDefaultAppointmentEntity for ${user} names no Associate`, {
    associate: entity?.associate ?? null,
  });
  return entity.associate.associateId;
}

// ---- failures -------------------------------------------------------------------------------

export class AssertionFailed extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = "AssertionFailed";
    this.details = details;
  }
}

// An agent method answered 501: the server says it does not implement it (yet).
export class NotImplemented extends Error {
  constructor(method, body) {
    super(`${method} answered 501 Not Implemented`);
    this.name = "NotImplemented";
    this.method = method;
    this.body = body;
  }
}

export function methodOf(err) {
  const url = err?.config?.url ?? "";
  return url.split("?")[0].split("/").filter(Boolean).pop() ?? url;
}

// What went wrong with an HTTP call, in terms a reader of the test output can act on.
export function describeHttpError(err) {
  if (!err?.isAxiosError) return null;
  return {
    method: methodOf(err),
    url: err.config?.url,
    status: err.response?.status ?? null,
    body: err.response?.data ?? null,
    request: err.config?.data ?? null,
    code: err.code ?? null,
  };
}

function asFailure(err) {
  if (err?.isAxiosError && err.response?.status === 501) return new NotImplemented(methodOf(err), err.response.data);
  return err;
}

// ---- steps ----------------------------------------------------------------------------------

export class Recorder {
  constructor() {
    this.steps = [];
  }

  // Runs one named step; a failure carries the step's title so the output says where it broke.
  async step(title, fn) {
    const started = Date.now();
    try {
      const result = await fn();
      this.steps.push({ step: title, ms: Date.now() - started });
      return result;
    } catch (err) {
      const failure = asFailure(err);
      failure.step = title;
      throw failure;
    }
  }
}

// ---- assertions -----------------------------------------------------------------------------

export function check(condition, message, details = {}) {
  if (!condition) throw new AssertionFailed(message, details);
}

export function equal(actual, expected, what) {
  check(Object.is(actual, expected), `${what}: expected ${show(expected)}, got ${show(actual)}`, { actual, expected });
}

// Datetimes are compared as instants; the message shows the client's local reading too, since
// a naive datetime on the wire is read in the client's zone (official-client-wire.md §7).
export function sameInstant(actual, expected, what) {
  const ok = actual instanceof Date && !Number.isNaN(actual.getTime()) && actual.getTime() === expected.getTime();
  if (ok) return;
  const shift = actual instanceof Date ? (actual.getTime() - expected.getTime()) / 60000 : null;
  throw new AssertionFailed(
    `${what}: expected ${instant(expected)}, got ${instant(actual)}` + (shift === null ? "" : ` (shifted ${shift} min)`),
    { actual: instant(actual), expected: instant(expected), shiftMinutes: shift },
  );
}

// Date-only values travel as the client's local midnight: compare calendar dates in its zone.
export function sameLocalDate(actual, expected, what) {
  const day = (d) => (d instanceof Date && !Number.isNaN(d.getTime())
    ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` : show(d));
  check(day(actual) === day(expected), `${what}: expected the date ${day(expected)}, got ${day(actual)}`, {
    actual: instant(actual),
  });
}

// The call must be refused with this status and a SuperOffice error body naming errorType.
export async function rejectsWith(promise, status, errorType, what) {
  let err;
  try {
    await promise;
  } catch (caught) {
    err = caught;
  }
  check(err !== undefined, `${what}: expected HTTP ${status} ${errorType}, but the call succeeded`);
  if (!err.isAxiosError || !err.response) throw err;
  if (err.response.status === 501 && status !== 501) throw asFailure(err);
  const data = err.response.data;
  equal(err.response.status, status, `${what}: HTTP status`);
  check(data !== null && typeof data === "object", `${what}: the error body is not a JSON object`, { body: data });
  equal(data.Error, true, `${what}: error body .Error`);
  equal(data.ErrorType, errorType, `${what}: error body .ErrorType`);
  check(typeof data.Message === "string" && data.Message.length > 0, `${what}: error body has no Message`, { body: data });
  return err;
}

export function findOne(rows, predicate, what) {
  check(Array.isArray(rows), `${what}: expected a list, got ${show(rows)}`);
  const found = rows.filter(predicate);
  check(found.length === 1, `${what}: expected exactly one row, found ${found.length}`, { rows: rows.map(brief) });
  return found[0];
}

// The fields of an Appointment/AppointmentEntity worth showing in a failure.
export function brief(row) {
  if (!row) return row;
  const { appointmentId, motherId, associateId, invitationStatus, bookingType, type, startDate, endDate } = row;
  return { appointmentId, motherId, associateId, invitationStatus, bookingType, type,
    startDate: instant(startDate), endDate: instant(endDate) };
}

export const HOUR = 3600 * 1000;
export const WEEK = 7 * 24 * HOUR;

function pad(n) {
  return String(n).padStart(2, "0");
}

function instant(d) {
  if (!(d instanceof Date)) return show(d);
  if (Number.isNaN(d.getTime())) return "Invalid Date";
  return `${d.toISOString()} (${d.toString()})`;
}

function show(value) {
  if (value instanceof Date) return instant(value);
  return value === undefined ? "undefined" : JSON.stringify(value);
}
