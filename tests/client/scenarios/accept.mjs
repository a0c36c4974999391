// Accept on the demo data: ada organises 684; 685 is tje0's invitation, 686 is ben's.
import { RecurrenceUpdateMode, agentFor, rejectsWith } from "../lib/harness.mjs";

export const requires = ["Accept"];

const MOTHER = 684;
const TJE0_INVITATION = 685;
const UNKNOWN_ID = 2_000_000_000;

export default async function accept(t) {
  const tje0 = agentFor("tje0");
  const ben = agentFor("ben");

  // Accept is void: the client resolves on any 2xx and ignores the body.
  await t.step("tje0 accepts the invitation 685 (OnlyThis)", () =>
    tje0.acceptAsync(TJE0_INVITATION, RecurrenceUpdateMode.OnlyThis));

  await t.step("ben accepting tje0's invitation is refused with 403", () =>
    rejectsWith(ben.acceptAsync(TJE0_INVITATION, RecurrenceUpdateMode.OnlyThis), 403, "SoAccessDeniedException",
      "ben accepts 685"));

  await t.step("accepting an unknown id is refused with 404", () =>
    rejectsWith(tje0.acceptAsync(UNKNOWN_ID, RecurrenceUpdateMode.OnlyThis), 404, "SoNotFoundException",
      `tje0 accepts ${UNKNOWN_ID}`));

  await t.step("ben accepts through the mother id 684 (his row is 686)", () =>
    ben.acceptAsync(MOTHER, RecurrenceUpdateMode.OnlyThis));

  return { accepted: [TJE0_INVITATION, MOTHER] };
}
