"""Error messages in the languages Accept-Language / SO-Language may ask for."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "appointment_not_found": {
        "en": "Appointment id {appointment_id} not found",
        "no": "Avtale med id {appointment_id} finnes ikke",
    },
    "not_your_invitation": {
        "en": "Appointment {appointment_id} is another participant's invitation; only the invitee can answer it",
        "no": "Avtale {appointment_id} er en annen deltakers invitasjon; bare den inviterte kan svare på den",
    },
    "not_invited": {
        "en": "You are not invited to the booking {appointment_id}",
        "no": "Du er ikke invitert til bookingen {appointment_id}",
    },
    "not_your_appointment": {
        "en": "Appointment {appointment_id} is in another associate's diary",
        "no": "Avtale {appointment_id} ligger i en annen brukers dagbok",
    },
    "not_an_invitation": {
        "en": "Appointment {appointment_id} is not an invitation or an assignment, so it cannot be answered",
        "no": "Avtale {appointment_id} er ikke en invitasjon eller et oppdrag, og kan ikke besvares",
    },
    "booking_cancelled": {
        "en": "The booking {appointment_id} was cancelled by its organiser and can no longer be answered",
        "no": "Bookingen {appointment_id} er avlyst av arrangøren og kan ikke lenger besvares",
    },
    "assignment_declined": {
        "en": "The assignment {appointment_id} was declined and has gone back to the assigner",
        "no": "Oppdraget {appointment_id} er avslått og sendt tilbake til den som tildelte det",
    },
    "not_applicable": {
        "en": "{operation} does not apply to an appointment with status {status}",
        "no": "{operation} gjelder ikke for en avtale med status {status}",
    },
    "book_as_other": {
        "en": "You cannot book a meeting with associate {associate_id} as organiser: invitations go out in the "
              "organiser's name",
        "no": "Du kan ikke booke et møte med bruker {associate_id} som arrangør: invitasjoner sendes i "
              "arrangørens navn",
    },
    "not_organiser": {
        "en": "Only the organiser of booking {appointment_id} can change or delete it",
        "no": "Bare arrangøren av bookingen {appointment_id} kan endre eller slette den",
    },
    "not_assignable": {
        "en": "Appointment {appointment_id} is part of a booking and cannot be assigned to another associate",
        "no": "Avtale {appointment_id} er del av en booking og kan ikke tildeles en annen bruker",
    },
    "assign_to_self": {
        "en": "Appointment {appointment_id} is already yours; assign it to another associate",
        "no": "Avtale {appointment_id} er allerede din; tildel den til en annen bruker",
    },
    "unknown_assignee": {
        "en": "Associate {associate_id} does not exist or is disabled, so nothing can be assigned to them",
        "no": "Bruker {associate_id} finnes ikke eller er deaktivert, så ingenting kan tildeles dem",
    },
    "end_before_start": {
        "en": "The end of appointment {appointment_id} cannot be before its start",
        "no": "Slutten på avtale {appointment_id} kan ikke være før starten",
    },
    "date_out_of_range": {
        "en": "Appointment {appointment_id} would move outside the calendar (years 1-9999)",
        "no": "Avtale {appointment_id} ville bli flyttet utenfor kalenderen (år 1-9999)",
    },
    "use_booking_operation": {
        "en": "{field} of appointment {appointment_id} cannot be set this way; use Accept, Reject, Move or AssignTo",
        "no": "{field} for avtale {appointment_id} kan ikke settes slik; bruk Accept, Reject, Move eller AssignTo",
    },
    "unknown_associate": {
        "en": "Associate id {associate_id} does not exist",
        "no": "Bruker med id {associate_id} finnes ikke",
    },
    "unknown_person": {
        "en": "Person id {person_id} does not exist",
        "no": "Person med id {person_id} finnes ikke",
    },
    "unknown_project": {
        "en": "Project id {project_id} does not exist",
        "no": "Prosjekt med id {project_id} finnes ikke",
    },
    "unknown_group_type": {
        "en": "GroupType {group_type} is not served: only 1 (Usergroup); sodiary has no user-defined diary groups "
              "(0) nor resource headings (2)",
        "no": "GroupType {group_type} støttes ikke: bare 1 (Usergroup); sodiary har verken brukerdefinerte "
              "dagbokgrupper (0) eller ressursoverskrifter (2)",
    },
    "invalid_email_address": {
        "en": "The participant's EmailAddress {address!r} is not an e-mail address",
        "no": "Deltakerens EmailAddress {address!r} er ikke en e-postadresse",
    },
    "person_not_user": {
        "en": "Person id {person_id} is not a user and has no diary",
        "no": "Person med id {person_id} er ikke en bruker og har ingen dagbok",
    },
    "dates_required": {
        "en": "An appointment needs a StartDate and an EndDate",
        "no": "En avtale trenger StartDate og EndDate",
    },
    "recurrence_pattern": {
        "en": "Recurrence.Pattern must be Daily, Weekly, Monthly, Yearly or Custom, not {pattern}",
        "no": "Recurrence.Pattern må være Daily, Weekly, Monthly, Yearly eller Custom, ikke {pattern}",
    },
    "recurrence_sub_pattern": {
        "en": "The sub-pattern {sub_pattern} does not belong to a {pattern} recurrence (set the matching "
              "DayPattern, MonthPattern or YearPattern Pattern)",
        "no": "Undermønsteret {sub_pattern} hører ikke til en {pattern}-gjentakelse (angi Pattern i tilhørende "
              "DayPattern, MonthPattern eller YearPattern)",
    },
    "recurrence_cycle": {
        "en": "The recurrence Cycle must be 1 or more, not {cycle}",
        "no": "Gjentakelsens Cycle må være 1 eller mer, ikke {cycle}",
    },
    "recurrence_no_weekdays": {
        "en": "This recurrence needs at least one weekday (Weekdays / Weekday)",
        "no": "Denne gjentakelsen trenger minst én ukedag (Weekdays / Weekday)",
    },
    "recurrence_weekdays": {
        "en": "The weekday flags {weekdays} are not Monday to Sunday",
        "no": "Ukedagsflaggene {weekdays} er ikke mandag til søndag",
    },
    "recurrence_day": {
        "en": "The recurrence Day must be between 1 and {longest}, not {day}",
        "no": "Gjentakelsens Day må være mellom 1 og {longest}, ikke {day}",
    },
    "recurrence_month": {
        "en": "YearPattern.Cycle is the month and must be 1 to 12 (0 = the start's month), not {month}",
        "no": "YearPattern.Cycle er måneden og må være 1 til 12 (0 = startmåneden), ikke {month}",
    },
    "recurrence_week_of_month": {
        "en": "WeekOfMonth must be First, Second, Third, Fourth or Last, not {week_of_month}",
        "no": "WeekOfMonth må være First, Second, Third, Fourth eller Last, ikke {week_of_month}",
    },
    "recurrence_end_type": {
        "en": "RecurrenceEndType must be EndDate or Counter, not {end_type}",
        "no": "RecurrenceEndType må være EndDate eller Counter, ikke {end_type}",
    },
    "recurrence_no_end_date": {
        "en": "A recurrence that ends by EndDate needs an EndDate",
        "no": "En gjentakelse som slutter på EndDate trenger en EndDate",
    },
    "recurrence_end_before_start": {
        "en": "The recurrence ends ({end}) before it starts ({start})",
        "no": "Gjentakelsen slutter ({end}) før den starter ({start})",
    },
    "recurrence_counter": {
        "en": "RecurrenceCounter must be 1 or more when the recurrence ends by Counter, not {counter}",
        "no": "RecurrenceCounter må være 1 eller mer når gjentakelsen slutter etter antall, ikke {counter}",
    },
    "recurrence_no_dates": {
        "en": "A Custom recurrence needs its Dates",
        "no": "En egendefinert (Custom) gjentakelse trenger datoene sine (Dates)",
    },
    "recurrence_too_many": {
        "en": "The recurrence has more than {limit} occurrences; end it sooner",
        "no": "Gjentakelsen har mer enn {limit} forekomster; avslutt den tidligere",
    },
    "recurrence_beyond_calendar": {
        "en": "The occurrence on {date} would end after 31 December 9999",
        "no": "Forekomsten {date} ville slutte etter 31. desember 9999",
    },
    "recurrence_required": {
        "en": "{method} needs an AppointmentEntity with a StartDate",
        "no": "{method} trenger en AppointmentEntity med StartDate",
    },
    "invalid_datetime": {
        "en": "{field} is not a valid ISO-8601 date-time: '{value}'",
        "no": "{field} er ikke et gyldig ISO-8601-tidspunkt: '{value}'",
    },
    "invalid_timespan": {
        "en": "{field} is not a valid TimeSpan (hh:mm:ss or ISO-8601 duration): '{value}'",
        "no": "{field} er ikke et gyldig tidsrom (tt:mm:ss eller ISO-8601-varighet): '{value}'",
    },
    "invalid_flags": {
        "en": "{field} is not a valid flags value (a number or comma-separated names): '{value}'",
        "no": "{field} er ikke en gyldig flaggverdi (et tall eller kommaseparerte navn): '{value}'",
    },
    "unauthorized": {
        "en": "Authentication required: send Authorization (Basic, SOTicket or Bearer)",
        "no": "Autentisering kreves: send Authorization (Basic, SOTicket eller Bearer)",
    },
    "bad_credentials": {
        "en": "Unknown user name or wrong password",
        "no": "Ukjent brukernavn eller feil passord",
    },
    "bad_authorization_header": {
        "en": "The Authorization header is malformed",
        "no": "Authorization-headeren er ugyldig",
    },
    "unsupported_scheme": {
        "en": "Authorization scheme '{scheme}' is not supported by this installation",
        "no": "Autorisasjonsskjemaet '{scheme}' støttes ikke av denne installasjonen",
    },
    "bad_ticket": {
        "en": "The SOTicket is unknown, expired or revoked; log in again",
        "no": "SOTicket er ukjent, utløpt eller tilbakekalt; logg inn på nytt",
    },
    "bad_session": {
        "en": "The session is unknown, expired or revoked; log in again",
        "no": "Økten er ukjent, utløpt eller tilbakekalt; logg inn på nytt",
    },
    "bad_token": {
        "en": "The bearer token is not accepted: {detail}",
        "no": "Bearer-tokenet godtas ikke: {detail}",
    },
    "bearer_not_configured": {
        "en": "Bearer tokens are not configured on this server (set SODIARY_JWT_SECRET, "
              "SODIARY_JWT_PUBLIC_KEY_FILE or SODIARY_JWKS_FILE); use Basic or SOTicket",
        "no": "Bearer-tokener er ikke konfigurert på denne serveren (sett SODIARY_JWT_SECRET, "
              "SODIARY_JWT_PUBLIC_KEY_FILE eller SODIARY_JWKS_FILE); bruk Basic eller SOTicket",
    },
    "xsrf_missing": {
        "en": "Without an Authorization header, send the XSRF-TOKEN cookie's value in the X-XSRF-TOKEN header",
        "no": "Uten Authorization-header må verdien i XSRF-TOKEN-informasjonskapselen sendes i X-XSRF-TOKEN",
    },
    "xsrf_mismatch": {
        "en": "The X-XSRF-TOKEN header does not match this session's XSRF token",
        "no": "X-XSRF-TOKEN-headeren passer ikke med denne øktens XSRF-token",
    },
    "app_token_required": {
        "en": "This server only accepts registered applications: send SO-AppToken",
        "no": "Denne serveren godtar bare registrerte applikasjoner: send SO-AppToken",
    },
    "app_token_unknown": {
        "en": "The SO-AppToken does not belong to a registered application",
        "no": "SO-AppToken tilhører ingen registrert applikasjon",
    },
    "too_many_failures": {
        "en": "Too many failed logins; try again in {seconds} seconds",
        "no": "For mange mislykkede innlogginger; prøv igjen om {seconds} sekunder",
    },
    "login_credentials": {
        "en": "Log in with Basic credentials or a {{\"UserName\", \"Password\"}} body",
        "no": "Logg inn med Basic-legitimasjon eller et {{\"UserName\", \"Password\"}}-innhold",
    },
    "logout_needs_ticket": {
        "en": "Logout revokes the SOTicket given in the Authorization header",
        "no": "Logout tilbakekaller SOTicket som er gitt i Authorization-headeren",
    },
    "logout_needs_session": {
        "en": "Closing a session needs the session cookie (and X-XSRF-TOKEN)",
        "no": "For å avslutte en økt trengs øktens informasjonskapsel (og X-XSRF-TOKEN)",
    },
    "not_acceptable": {
        "en": "None of the media types in Accept can be produced; use application/json or application/xml",
        "no": "Ingen av medietypene i Accept kan leveres; bruk application/json eller application/xml",
    },
    "unsupported_media_type": {
        "en": "Content-Type '{content_type}' is not supported; use one of {supported}",
        "no": "Content-Type '{content_type}' støttes ikke; bruk en av {supported}",
    },
    "unsupported_charset": {
        "en": "Charset '{charset}' is not supported",
        "no": "Tegnsettet '{charset}' støttes ikke",
    },
    "body_not_decodable": {
        "en": "The request body is not valid {format}: {detail}",
        "no": "Forespørselens innhold er ikke gyldig {format}: {detail}",
    },
    "body_invalid": {
        "en": "The request body does not match {type}: {detail}",
        "no": "Forespørselens innhold passer ikke til {type}: {detail}",
    },
    "body_required": {
        "en": "This call needs a request body ({type})",
        "no": "Dette kallet trenger et innhold i forespørselen ({type})",
    },
    "body_too_large": {
        "en": "The request body is larger than {limit} bytes",
        "no": "Forespørselens innhold er større enn {limit} byte",
    },
    "patch_failed": {
        "en": "The patch could not be applied: {detail}",
        "no": "Patchen kunne ikke brukes: {detail}",
    },
    "modified_since": {
        "en": "Appointment {appointment_id} was modified ({modified}) after If-Unmodified-Since",
        "no": "Avtale {appointment_id} er endret ({modified}) etter If-Unmodified-Since",
    },
    "if_match_failed": {
        "en": "Appointment {appointment_id} has changed: its ETag is now {etag}, which If-Match does not name",
        "no": "Avtale {appointment_id} er endret: ETag er nå {etag}, som If-Match ikke nevner",
    },
    "if_none_match_failed": {
        "en": "Appointment {appointment_id} exists with an ETag ({etag}) that If-None-Match excludes",
        "no": "Avtale {appointment_id} finnes med en ETag ({etag}) som If-None-Match utelukker",
    },
    "entity_required": {
        "en": "Entity to save is not in request body",
        "no": "Entiteten som skal lagres, mangler i forespørselen",
    },
    "invalid_select": {
        "en": "Invalid $select '{select}': expected comma-separated property names, with '/' for nested ones",
        "no": "Ugyldig $select '{select}': forventet kommaseparerte egenskapsnavn, med '/' for nestede",
    },
    "invalid_query": {
        "en": "Query parameter {name} is invalid: {detail}",
        "no": "Spørreparameteren {name} er ugyldig: {detail}",
    },
    "invalid_header": {
        "en": "Header {name} is invalid: {detail}",
        "no": "Headeren {name} er ugyldig: {detail}",
    },
    "list_too_long": {
        "en": "A list in {type} has {count} items; at most {limit} are accepted",
        "no": "En liste i {type} har {count} elementer; høyst {limit} godtas",
    },
    "feed_not_found": {
        "en": "You have no calendar feed {feed_id}",
        "no": "Du har ingen kalenderstrøm {feed_id}",
    },
    "bad_mail": {
        "en": "The message carries no iCalendar object sodiary can act on: {reason}",
        "no": "Meldingen har ikke noe iCalendar-objekt sodiary kan bruke: {reason}",
    },
    "mail_intake_forbidden": {
        "en": "{user} may not hand in e-mail: only the users in SODIARY_MAIL_INTAKE_USERS may",
        "no": "{user} kan ikke levere e-post: bare brukerne i SODIARY_MAIL_INTAKE_USERS kan",
    },
    "email_item_not_found": {
        "en": "You have no invitation by e-mail {email_item_id}",
        "no": "Du har ingen invitasjon på e-post {email_item_id}",
    },
    "email_item_cancelled": {
        "en": "The organiser has cancelled the invitation {email_item_id}",
        "no": "Arrangøren har avlyst invitasjonen {email_item_id}",
    },
    "bad_ics": {
        "en": "IcsData is not an iCalendar REPLY that can be applied: {reason}",
        "no": "IcsData er ikke et iCalendar-svar (REPLY) som kan brukes: {reason}",
    },
    "unknown_method": {
        "en": "The {agent} agent has no method '{method}'",
        "no": "Agenten {agent} har ingen metode '{method}'",
    },
    "not_implemented": {
        "en": "Appointment agent method '{method}' is not implemented by sodiary yet",
        "no": "Avtaleagentens metode '{method}' er ikke implementert i sodiary ennå",
    },
    "method_not_allowed": {
        "en": "Agent methods are called with POST",
        "no": "Agentmetoder kalles med POST",
    },
    "method_not_allowed_here": {
        "en": "{path} does not answer {method}; it answers {allow}",
        "no": "{path} svarer ikke på {method}; den svarer på {allow}",
    },
    "not_found": {
        "en": "No resource at {path}",
        "no": "Ingen ressurs på {path}",
    },
    "internal_error": {
        "en": "An internal error occurred; it has been logged (reference {reference})",
        "no": "Det oppstod en intern feil; den er logget (referanse {reference})",
    },
    "database_unavailable": {
        "en": "The database is not available right now; try again in {seconds} s",
        "no": "Databasen er ikke tilgjengelig akkurat nå; prøv igjen om {seconds} s",
    },
    # The people an appointment names.
    "person_not_found": {
        "en": "Person id {person_id} not found",
        "no": "Person med id {person_id} finnes ikke",
    },
    "contact_not_found": {
        "en": "Contact id {contact_id} not found",
        "no": "Firma med id {contact_id} finnes ikke",
    },
    "associate_not_found": {
        "en": "Associate id {associate_id} not found",
        "no": "Bruker med id {associate_id} finnes ikke",
    },
    "person_needs_name": {
        "en": "A person needs a first name or a last name",
        "no": "En person må ha fornavn eller etternavn",
    },
    "contact_needs_name": {
        "en": "A company needs a name",
        "no": "Et firma må ha et navn",
    },
    "field_too_long": {
        "en": "{field} is longer than {limit} characters",
        "no": "{field} er lengre enn {limit} tegn",
    },
    "invalid_email": {
        "en": "'{email}' is not an e-mail address",
        "no": "'{email}' er ikke en e-postadresse",
    },
    "not_your_person": {
        "en": "This person is user {associate_id}; only that user changes it",
        "no": "Denne personen er bruker {associate_id}; bare den brukeren kan endre den",
    },
    "person_is_user": {
        "en": "Person {person_id} is a user; remove the user with `sodiary user remove`",
        "no": "Person {person_id} er en bruker; fjern brukeren med `sodiary user remove`",
    },
    "person_in_use": {
        "en": "Person {person_id} is named by an appointment and cannot be deleted",
        "no": "Person {person_id} er nevnt i en avtale og kan ikke slettes",
    },
    "contact_in_use": {
        "en": "Contact {contact_id} has persons or is named by an appointment and cannot be deleted",
        "no": "Firma {contact_id} har personer eller er nevnt i en avtale og kan ikke slettes",
    },
    "project_not_found": {
        "en": "Project id {project_id} not found",
        "no": "Prosjekt med id {project_id} finnes ikke",
    },
    "project_needs_name": {
        "en": "A project needs a name",
        "no": "Et prosjekt må ha et navn",
    },
    "project_unknown_members": {
        "en": "Project members name persons that do not exist: {person_ids}",
        "no": "Prosjektmedlemmene nevner personer som ikke finnes: {person_ids}",
    },
    "project_unknown_owner": {
        "en": "The project's Associate {associate_id} does not exist",
        "no": "Prosjektets bruker (Associate) {associate_id} finnes ikke",
    },
    "project_in_use": {
        "en": "Project {project_id} is named by an appointment and cannot be deleted",
        "no": "Prosjekt {project_id} er nevnt i en avtale og kan ikke slettes",
    },
    # REST collections ($filter, $orderBy, $select and the other query options).
    "invalid_filter": {
        "en": "Invalid $filter '{filter}' at position {position}",
        "no": "Ugyldig $filter '{filter}' ved posisjon {position}",
    },
    "filter_unknown_column": {
        "en": "$filter '{filter}' at position {position}: there is no column '{column}' (columns: {columns})",
        "no": "$filter '{filter}' ved posisjon {position}: kolonnen '{column}' finnes ikke (kolonner: {columns})",
    },
    "filter_unknown_operator": {
        "en": "$filter '{filter}' at position {position}: operator '{operator}' does not apply to '{column}'",
        "no": "$filter '{filter}' ved posisjon {position}: operatoren '{operator}' gjelder ikke for '{column}'",
    },
    "filter_value_count": {
        "en": "$filter '{filter}' at position {position}: '{operator}' takes {count} value(s)",
        "no": "$filter '{filter}' ved posisjon {position}: '{operator}' tar {count} verdi(er)",
    },
    "filter_bad_value": {
        "en": "$filter '{filter}' at position {position}: {value} is no value for '{column}' "
              "(expected {expected})",
        "no": "$filter '{filter}' ved posisjon {position}: {value} er ingen verdi for '{column}' "
              "(forventet {expected})",
    },
    "invalid_order_by": {
        "en": "Invalid $orderBy '{order_by}' at position {position}: expected 'column [asc|desc], …' "
              "(columns: {columns})",
        "no": "Ugyldig $orderBy '{order_by}' ved posisjon {position}: forventet 'kolonne [asc|desc], …' "
              "(kolonner: {columns})",
    },
    "unknown_column": {
        "en": "$select names no column '{column}' (columns: {columns})",
        "no": "$select nevner ingen kolonne '{column}' (kolonner: {columns})",
    },
    "invalid_query_option": {
        "en": "Query option {option} has an invalid value '{value}'",
        "no": "Spørreparameteren {option} har en ugyldig verdi '{value}'",
    },
    "unknown_query_option": {
        "en": "Unknown query option {option} (known: {options})",
        "no": "Ukjent spørreparameter {option} (kjente: {options})",
    },
    "needs_guides": {
        "en": "Appointment agent method '{method}' needs SuperOffice's Sale and Project modules (the sale and "
              "project guides' suggested appointments), which sodiary does not have",
        "no": "Avtaleagentens metode '{method}' krever SuperOffice-modulene Salg og Prosjekt (foreslåtte "
              "aktiviteter i salgs- og prosjektguidene), som sodiary ikke har",
    },
    "needs_sale_guide": {
        "en": "Appointment agent method '{method}' needs SuperOffice's Sale module (sales and their sale guides), "
              "which sodiary does not have",
        "no": "Avtaleagentens metode '{method}' krever SuperOffice-modulen Salg (salg og salgsguider), "
              "som sodiary ikke har",
    },
    "needs_project_guide": {
        "en": "Appointment agent method '{method}' needs SuperOffice's Project module (projects and their project "
              "guides), which sodiary does not have",
        "no": "Avtaleagentens metode '{method}' krever SuperOffice-modulen Prosjekt (prosjekter og prosjektguider), "
              "som sodiary ikke har",
    },
    "needs_sale": {
        "en": "Appointment agent method '{method}' needs SuperOffice's Sale module (stalled sales and their "
              "re-open dates), which sodiary does not have",
        "no": "Avtaleagentens metode '{method}' krever SuperOffice-modulen Salg (stoppede salg og deres "
              "gjenåpningsdato), som sodiary ikke har",
    },
    "needs_leads": {
        "en": "Appointment agent method '{method}' needs SuperOffice's CRM modules for companies, persons and sales "
              "leads (Contact, Person and Sale), which sodiary does not have",
        "no": "Avtaleagentens metode '{method}' krever SuperOffice sine CRM-moduler for firmaer, personer og "
              "salgsmuligheter (Kontakt, Person og Salg), som sodiary ikke har",
    },
    "day_span_reversed": {
        "en": "EndDate {end} is before StartDate {start}",
        "no": "EndDate {end} er før StartDate {start}",
    },
    "day_span_too_long": {
        "en": "At most {max} days can be asked for in one call",
        "no": "Høyst {max} dager kan hentes i ett kall",
    },
    "time_span_reversed": {
        "en": "EndTime {end} must be after StartTime {start}: their difference is the length of the appointment",
        "no": "EndTime {end} må være etter StartTime {start}: forskjellen er avtalens lengde",
    },
    "activity_identifier": {
        "en": "'{identifier}' is not an activity identifier: expected appointment_id=N, sale_id=N, document_id=N "
              "or todo_id=N",
        "no": "'{identifier}' er ikke en aktivitetsidentifikator: forventet appointment_id=N, sale_id=N, "
              "document_id=N eller todo_id=N",
    },
    "activity_status_unknown": {
        "en": "ActivityStatus must be NotStarted, Started or Completed",
        "no": "ActivityStatus må være NotStarted, Started eller Completed",
    },
    "task_name_required": {
        "en": "A task list item needs a Value (its name)",
        "no": "Et element i oppgavelisten trenger en Value (navnet)",
    },
    "task_name_taken": {
        "en": "A task list item named '{name}' exists already",
        "no": "Et element i oppgavelisten med navnet '{name}' finnes allerede",
    },
    "task_not_found": {
        "en": "Task list item id {task_id} not found",
        "no": "Element {task_id} i oppgavelisten finnes ikke",
    },
    "task_video_status": {
        "en": "DefaultVideomeetingStatus '{value}' is not NoChange, VideoMeetingOn or VideoMeetingOff",
        "no": "DefaultVideomeetingStatus '{value}' er ikke NoChange, VideoMeetingOn eller VideoMeetingOff",
    },
    "video_not_configured": {
        "en": "No video meeting provider is configured on this server: the administrator sets "
              "SODIARY_VIDEO_MEETING_URL, e.g. https://meet.jit.si/sodiary-{{id}}",
        "no": "Ingen leverandør av videomøter er satt opp på denne serveren: administratoren setter "
              "SODIARY_VIDEO_MEETING_URL, f.eks. https://meet.jit.si/sodiary-{{id}}",
    },
    "video_meeting_id": {
        "en": "'{value}' is not a video meeting id of this server",
        "no": "'{value}' er ikke en videomøte-id fra denne serveren",
    },
    "webhook_forbidden": {
        "en": "{user} may not manage webhooks: only administrators (SODIARY_WEBHOOK_ADMINS) and registered apps may",
        "no": ("{user} kan ikke administrere webhooks: bare administratorer (SODIARY_WEBHOOK_ADMINS) "
               "og registrerte apper kan"),
    },
    "webhook_not_found": {
        "en": "Webhook id {webhook_id} not found",
        "no": "Webhook med id {webhook_id} finnes ikke",
    },
    "webhook_invalid": {
        "en": "The webhook cannot be saved: {detail}",
        "no": "Webhooken kan ikke lagres: {detail}",
    },
    "webhook_event_invalid": {
        "en": "The event cannot be signalled: {detail}",
        "no": "Hendelsen kan ikke signaliseres: {detail}",
    },
    "webhook_target_refused": {
        "en": "Webhook TargetUrl {url} is refused: {detail}",
        "no": "Webhook-adressen {url} avvises: {detail}",
    },
    "webhook_test_failed": {
        "en": "Webhook TargetUrl {url} did not answer the test event with 200: {detail}",
        "no": "Webhook-adressen {url} svarte ikke 200 på testhendelsen: {detail}",
    },
}


def message(key: str, lang: str, params: dict[str, object]) -> str:
    texts = MESSAGES.get(key)
    if texts is None:
        return key
    template = texts.get(lang) or texts["en"]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
