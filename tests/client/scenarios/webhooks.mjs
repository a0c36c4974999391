// Webhooks through the official client's WebhookAgent, as an integration registers them: ada (a webhook
// administrator on this server) creates a default definition, saves it for the receiver at RECEIVER_URL,
// reads and lists it, tests it, signals a custom event, books a meeting whose rows reach the receiver, and
// deletes the webhook. The Python side (test_official_client_webhooks.py) checks what the receiver got.
import { agentFor, baseUrl, check, equal, findOne, rejectsWith, so, whoAmI } from "../lib/harness.mjs";

export const requires = ["CreateDefaultAppointmentEntity", "SaveAppointmentEntity"];

const START = new Date(2027, 9, 12, 9, 0); // Tue 12 Oct 2027 09:00 local
const END = new Date(2027, 9, 12, 10, 0);
const EVENTS = ["activity.created", "activity.changed", "activity.deleted", "window.closed"];

function webhookAgent(user, password) {
  return new so.WebhookAgent(baseUrl(), { auth: { username: user, password }, timeout: 30000 });
}

function receiverUrl() {
  const url = process.env.RECEIVER_URL;
  if (!url) throw new Error("RECEIVER_URL is not set");
  return url;
}

export default async function webhooks(t) {
  const hooks = webhookAgent("ada", "Ada");
  const ada = agentFor("ada");
  const name = `Client ${Intl.DateTimeFormat().resolvedOptions().timeZone} ${Date.now()}`;

  const fresh = await t.step("ada asks for a default webhook (CreateDefaultWebhook)", async () => {
    const entity = await hooks.createDefaultWebhookAsync();
    equal(entity.webhookId, 0, "a default Webhook's id");
    equal(entity.state, so.WebhookState.Active, "a default Webhook's State");
    equal(entity.type, "webhook", "a default Webhook's Type");
    return entity;
  });

  const saved = await t.step("ada saves it for her receiver; the server tests the target first (SaveWebhook)",
    async () => {
      fresh.name = name;
      fresh.events = EVENTS;
      fresh.targetUrl = receiverUrl();
      fresh.secret = "client-secret";
      fresh.headers = { "X-Client": "official" };
      fresh.properties = { Integration: "npm" };
      const hook = await hooks.saveWebhookAsync(fresh);
      check(hook.webhookId > 0, "SaveWebhook gave no id", { hook });
      equal(hook.state, so.WebhookState.Active, "the saved Webhook's State");
      equal(hook.events.join(","), EVENTS.join(","), "the saved Webhook's Events");
      check(hook.registered instanceof Date && !Number.isNaN(hook.registered.getTime()),
        "the saved Webhook's Registered is not a date", { registered: String(hook.registered) });
      return hook;
    });
  const id = saved.webhookId;

  await t.step("ada reads it back and finds it in the list (GetWebhook, GetAllWebhooks)", async () => {
    const again = await hooks.getWebhookAsync(id);
    equal(again.name, name, "GetWebhook Name");
    equal(again.targetUrl, receiverUrl(), "GetWebhook TargetUrl");
    equal(again.headers["X-Client"], "official", "GetWebhook Headers");
    const listed = await hooks.getAllWebhooksAsync(name, "activity.", so.WebhookState.Active);
    findOne(listed, (h) => h.webhookId === id, "the webhook in GetAllWebhooks by name, event and state");
    const stopped = await hooks.getAllWebhooksAsync(name, "", so.WebhookState.Stopped);
    equal(stopped.length, 0, "GetAllWebhooks with State Stopped");
  });

  await t.step("TestWebhook reaches the receiver", async () => {
    const result = await hooks.testWebhookAsync(saved);
    equal(result.success, true, `TestWebhook Success (${result.message})`);
  });

  await t.step("ada signals a custom event (SignalEvent)", async () => {
    await hooks.signalEventAsync("window.closed", 7, { windowName: "diary" });
  });

  const meeting = await t.step("ada books a meeting with tje0: its rows reach the webhook", async () => {
    const tje0 = await whoAmI(agentFor("tje0"), "tje0");
    const entity = await ada.createDefaultAppointmentEntityAsync();
    entity.startDate = START;
    entity.endDate = END;
    entity.description = name;
    entity.participants = [{ associateId: tje0, personId: 0, contactId: 0, sendEmail: false }];
    const booked = await ada.saveAppointmentEntityAsync(entity);
    check(booked.appointmentId > 0, "SaveAppointmentEntity gave no id");
    // window.closed and two activity.created (mother and invitation): wait until all three were delivered.
    const deadline = Date.now() + 30000;
    let hook = await hooks.getWebhookAsync(id);
    while (hook.totalCalls < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      hook = await hooks.getWebhookAsync(id);
    }
    equal(hook.totalCalls, 3, "TotalCalls after the custom event and the booking");
    equal(hook.totalErrors, 0, "TotalErrors");
    equal(await hooks.getLastErrorAsync(id), "", "GetLastError");
    return booked;
  });

  await t.step("ben, who is no webhook administrator, is refused", async () => {
    await rejectsWith(webhookAgent("ben", "Ben").getWebhookAsync(id), 403, "SoAccessDeniedException", "ben's GetWebhook");
  });

  await t.step("ada deletes the webhook (DeleteWebhook)", async () => {
    await hooks.deleteWebhookAsync(id);
    const gone = await hooks.getWebhookAsync(id);
    check(gone === null || gone === undefined || gone.webhookId === 0, "GetWebhook after DeleteWebhook", { gone });
    const listed = await hooks.getAllWebhooksAsync(name, "", so.WebhookState.Unknown);
    equal(listed.length, 0, "GetAllWebhooks after DeleteWebhook");
  });

  return { webhookId: id, appointmentId: meeting.appointmentId };
}
