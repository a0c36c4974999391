// The people an appointment names, through the official client's Contact, Person and Associate agents:
// ada adds a company and a person with an e-mail address, finds the user tje0 by his person, and books a
// meeting with both; the saved booking names them, and the person reads back with the address.
import { HOUR, agentFor, baseUrl, check, equal, findOne, so, whoAmI } from "../lib/harness.mjs";

export const requires = ["CreateDefaultAppointmentEntity", "SaveAppointmentEntity"];

const START = new Date(2027, 8, 14, 13, 0); // Tue 14 Sep 2027 13:00 local

function peopleAgents(user, password) {
  const options = { auth: { username: user, password }, timeout: 30000 };
  return {
    contact: new so.ContactAgent(baseUrl(), options),
    person: new so.PersonAgent(baseUrl(), options),
    associate: new so.AssociateAgent(baseUrl(), options),
  };
}

export default async function people(t) {
  const ada = agentFor("ada");
  const book = peopleAgents("ada", "Ada");
  const adaId = await t.step("ada learns her associate id", async () => whoAmI(ada, "ada"));

  const company = await t.step("ada adds a company (CreateDefaultContactEntity, SaveContactEntity)", async () => {
    const entity = await book.contact.createDefaultContactEntityAsync();
    equal(entity.contactId, 0, "a default ContactEntity's id");
    entity.name = `Fjord ${Date.now()}`;
    const saved = await book.contact.saveContactEntityAsync(entity);
    check(saved.contactId > 0, "SaveContactEntity gave no id", { saved });
    equal((await book.contact.getContactAsync(saved.contactId)).name, entity.name, "GetContact name");
    return saved;
  });

  const guest = await t.step("ada adds a person of that company with an e-mail address", async () => {
    const entity = await book.person.createDefaultPersonEntityAsync();
    entity.firstname = "Kari";
    entity.lastname = "Nordmann";
    entity.contact = { contactId: company.contactId };
    entity.emails = [{ value: "kari@fjord.example" }];
    const saved = await book.person.savePersonEntityAsync(entity);
    check(saved.personId > 0, "SavePersonEntity gave no id", { saved });
    const again = await book.person.getPersonEntityAsync(saved.personId);
    equal(again.emails?.[0]?.value, "kari@fjord.example", "the person's first e-mail address");
    equal(again.contact?.contactId, company.contactId, "the person's company");
    const members = await book.person.getPersonsFromContactAsync(company.contactId);
    equal(members.map((p) => p.personId).join(","), String(saved.personId), "GetPersonsFromContact");
    return saved;
  });

  const tje0 = await t.step("ada finds the user tje0 through his person (GetAssociate, GetAssociateByPersonId)",
    async () => {
      const users = await book.associate.getAssociateListAsync([]);
      const tje = findOne(users, (a) => a.name === "tje0", "tje0 in GetAssociateList");
      const byPerson = await book.associate.getAssociateByPersonIdAsync(tje.personId);
      equal(byPerson.associateId, tje.associateId, "GetAssociateByPersonId");
      equal((await book.associate.getAssociateAsync(tje.associateId)).fullName, "Tore Jensen", "GetAssociate");
      return tje;
    });

  const saved = await t.step("ada books a meeting with tje0 and the new person", async () => {
    const entity = await ada.createDefaultAppointmentEntityAsync();
    entity.startDate = START;
    entity.endDate = new Date(START.getTime() + HOUR);
    entity.description = `People ${Date.now()}`;
    entity.participants = [
      { associateId: adaId, personId: 0, contactId: 0, sendEmail: false },
      { associateId: tje0.associateId, personId: 0, contactId: 0, sendEmail: false },
      { associateId: 0, personId: guest.personId, contactId: company.contactId, sendEmail: false },
    ];
    return ada.saveAppointmentEntityAsync(entity);
  });

  await t.step("the saved booking names tje0 and the person", async () => {
    findOne(saved.participants, (p) => p.associateId === tje0.associateId, "tje0 among the participants");
    findOne(saved.participants, (p) => p.personId === guest.personId, "the person among the participants");
  });

  return { appointmentId: saved.appointmentId, personId: guest.personId, contactId: company.contactId };
}
