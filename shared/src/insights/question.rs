//! From a free-text question to what it asks: an intent, the customer or staff member it is
//! about, and the period.
//!
//! The router reads concepts, not sentences. Each intent has a vocabulary of words and word
//! stems in English, German, French and Spanish ("annoyed", "verärgert", "fâché", "molesto"
//! all speak of unhappiness); a word within one or two letters of a vocabulary word counts
//! too, so typos still land. The intent whose words weigh most wins; a question that names a
//! customer or a staff member and asks nothing else ("how's Acme?", "wie geht es Tom?") is
//! about them; one that fits nothing gets the list of what can be asked.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::names::{Directory, Found, Kind};
use super::period::{self, Period};
use super::text::words;

/// What a question asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Which customers are unhappy or at risk, and why.
    UnhappyCustomers,
    /// What customers are waiting on from us.
    WaitingOnUs,
    /// Which emails still need a reply or an action.
    NeedsReply,
    /// How responsive the team is; who is slowest.
    Responsiveness,
    /// Which tasks are open or overdue.
    Tasks,
    /// The recurring themes of problems.
    TopIssues,
    /// How one customer is doing.
    Customer,
    /// How one staff member is doing.
    Employee,
    /// The summary of a day.
    DailySummary,
    /// Nothing fits: what can be asked.
    Help,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::UnhappyCustomers => "unhappy_customers",
            Intent::WaitingOnUs => "waiting_on_us",
            Intent::NeedsReply => "needs_reply",
            Intent::Responsiveness => "responsiveness",
            Intent::Tasks => "tasks",
            Intent::TopIssues => "top_issues",
            Intent::Customer => "customer",
            Intent::Employee => "employee",
            Intent::DailySummary => "daily_summary",
            Intent::Help => "help",
        }
    }
}

/// A concept a question's words speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Concept {
    Unhappy,
    Waiting,
    Reply,
    Speed,
    Tasks,
    Overdue,
    Issues,
    Summary,
    /// "how is … doing", "wie geht es", "comment va", "qué tal".
    Status,
    /// "most", "often", "immer wieder": with complaints, recurring themes.
    Frequency,
}

/// The vocabulary: a word (or, ending in `*`, a stem; with spaces, a phrase), the concept it
/// speaks of, and how much.
#[rustfmt::skip]
const VOCABULARY: &[(&str, Concept, f32)] = {
    use Concept::*;
    &[
        // unhappy or at risk
        ("unhapp*", Unhappy, 3.0), ("happy", Unhappy, 1.5), ("annoy*", Unhappy, 3.0),
        ("angry", Unhappy, 3.0), ("angri*", Unhappy, 3.0), ("upset", Unhappy, 3.0),
        ("frustrat*", Unhappy, 3.0), ("disappoint*", Unhappy, 3.0), ("dissatisf*", Unhappy, 3.0),
        ("displeas*", Unhappy, 3.0), ("mad", Unhappy, 2.5), ("furious", Unhappy, 3.0),
        ("irritat*", Unhappy, 3.0), ("grump*", Unhappy, 3.0), ("pissed", Unhappy, 3.0),
        ("risk", Unhappy, 3.0), ("risky", Unhappy, 2.0), ("churn*", Unhappy, 3.0),
        ("sentiment", Unhappy, 2.0), ("mood", Unhappy, 2.0), ("negative", Unhappy, 2.0),
        ("flag*", Unhappy, 2.5), ("escalat*", Unhappy, 2.5), ("worr*", Unhappy, 2.0),
        ("feel*", Unhappy, 1.5), ("satisf*", Unhappy, 2.0), ("leave", Unhappy, 1.5),
        ("leaving", Unhappy, 2.0), ("complaints", Issues, 2.5), ("complain*", Unhappy, 2.0),
        ("trouble", Unhappy, 1.5), ("attention", Unhappy, 1.0), ("fire", Unhappy, 1.0),
        ("bad", Unhappy, 1.5), ("vibe*", Unhappy, 2.0), ("thin", Unhappy, 1.0),
        ("ice", Unhappy, 1.0), ("humor", Unhappy, 2.0), ("unzufrieden*", Unhappy, 3.0),
        ("verargert", Unhappy, 3.0), ("sauer", Unhappy, 3.0), ("wutend", Unhappy, 3.0),
        ("genervt", Unhappy, 3.0), ("enttausch*", Unhappy, 3.0), ("ungluck*", Unhappy, 3.0),
        ("verstimmt", Unhappy, 3.0), ("risiko", Unhappy, 3.0), ("gefahrdet", Unhappy, 3.0),
        ("abwander*", Unhappy, 3.0), ("stimmung", Unhappy, 2.0), ("zufrieden*", Unhappy, 2.0),
        ("beschwer*", Unhappy, 2.0), ("argerlich", Unhappy, 3.0), ("mecontent*", Unhappy, 3.0),
        ("fache*", Unhappy, 3.0), ("colere", Unhappy, 3.0), ("enerve*", Unhappy, 3.0),
        ("agace*", Unhappy, 3.0), ("decu*", Unhappy, 3.0), ("insatisf*", Unhappy, 3.0),
        ("malheureu*", Unhappy, 3.0), ("risque*", Unhappy, 3.0), ("furieu*", Unhappy, 3.0),
        ("plaign*", Unhappy, 2.0), ("plainte*", Unhappy, 2.0), ("contents", Unhappy, 1.5),
        ("humeur", Unhappy, 2.0), ("descontent*", Unhappy, 3.0), ("enfadad*", Unhappy, 3.0),
        ("enojad*", Unhappy, 3.0), ("molest*", Unhappy, 3.0), ("frustrad*", Unhappy, 3.0),
        ("decepcionad*", Unhappy, 3.0), ("insatisfech*", Unhappy, 3.0), ("infeliz*", Unhappy, 3.0),
        ("riesgo", Unhappy, 3.0), ("cabread*", Unhappy, 3.0), ("disgustad*", Unhappy, 3.0),
        ("quej*", Unhappy, 2.0), ("contentos", Unhappy, 1.5), ("satisfech*", Unhappy, 2.0),
        // waiting on us
        ("wait*", Waiting, 3.0), ("await*", Waiting, 3.0), ("expect*", Waiting, 2.5),
        ("owe", Waiting, 3.0), ("owed", Waiting, 3.0), ("owing", Waiting, 3.0),
        ("deliverabl*", Waiting, 2.0), ("promis*", Waiting, 2.5), ("blocked", Waiting, 1.5),
        ("outstanding", Waiting, 1.5), ("pending", Waiting, 1.5), ("wart*", Waiting, 3.0),
        ("erwart*", Waiting, 2.5), ("schulden", Waiting, 3.0), ("ausstehend*", Waiting, 2.0),
        ("versproch*", Waiting, 2.5), ("attend*", Waiting, 3.0), ("attente", Waiting, 3.0),
        ("doit", Waiting, 2.0), ("devons", Waiting, 2.0), ("promis", Waiting, 2.5),
        ("esper*", Waiting, 3.0), ("debemos", Waiting, 3.0), ("aguard*", Waiting, 3.0),
        ("pendiente*", Waiting, 1.5), ("prometi*", Waiting, 2.5),
        // needing a reply
        ("reply", Reply, 1.5), ("replies", Reply, 1.5), ("replied", Reply, 1.5),
        ("respond*", Reply, 1.5), ("response", Reply, 1.0), ("answer*", Reply, 1.5),
        ("unanswered", Reply, 3.0), ("unreplied", Reply, 3.0), ("inbox", Reply, 2.5),
        ("email", Reply, 1.0), ("emails", Reply, 2.0), ("mail", Reply, 1.0), ("mails", Reply, 2.0),
        ("message*", Reply, 1.0), ("backlog", Reply, 1.5), ("ignored", Reply, 1.5),
        ("follow", Reply, 1.0), ("action", Reply, 1.0), ("msg*", Reply, 1.5), ("back", Reply, 1.0),
        ("read", Reply, 1.0), ("thread*", Reply, 1.0), ("antwort*", Reply, 1.5),
        ("beantwort*", Reply, 2.0), ("unbeantwortet", Reply, 3.0), ("posteingang", Reply, 2.5),
        ("nachricht*", Reply, 1.0), ("ruckmeldung", Reply, 1.5), ("courriels", Reply, 2.0),
        ("reagier*", Reply, 1.0), ("repond*", Reply, 1.5), ("reponse*", Reply, 1.5),
        ("courriel*", Reply, 1.5), ("responder", Reply, 1.5), ("respuesta*", Reply, 1.5),
        ("contest*", Reply, 1.5), ("correo*", Reply, 1.5), ("mensaje*", Reply, 1.0),
        ("bandeja", Reply, 2.0),
        // speed of replies
        ("slow*", Speed, 3.0), ("fast*", Speed, 3.0), ("quick*", Speed, 2.5),
        ("responsive*", Speed, 3.0), ("turnaround", Speed, 3.0), ("speed", Speed, 3.0),
        ("sluggish", Speed, 3.0), ("lag*", Speed, 1.5), ("long", Speed, 1.5),
        ("longest", Speed, 2.0), ("time", Speed, 1.5), ("times", Speed, 1.5), ("sla", Speed, 3.0),
        ("performance", Speed, 2.0), ("performing", Speed, 2.0), ("team", Speed, 1.0),
        ("forever", Speed, 2.5), ("takes", Speed, 1.0), ("leistung", Speed, 2.0),
        ("rendimiento", Speed, 2.0), ("langsam*", Speed, 3.0), ("schnell*", Speed, 3.0),
        ("reaktionszeit*", Speed, 3.0), ("antwortzeit*", Speed, 3.0), ("dauert", Speed, 1.5),
        ("lange", Speed, 1.5), ("lent*", Speed, 3.0), ("rapide*", Speed, 3.0),
        ("reactiv*", Speed, 3.0), ("delai*", Speed, 2.0), ("temps", Speed, 1.0),
        ("equipe", Speed, 1.0), ("lento*", Speed, 3.0), ("lenta*", Speed, 3.0),
        ("rapid*", Speed, 3.0), ("tiempo*", Speed, 1.0), ("tarda*", Speed, 2.0),
        ("equipo", Speed, 1.0),
        // tasks
        ("task*", Tasks, 3.0), ("todo*", Tasks, 2.5), ("to do", Tasks, 2.5),
        ("deadline*", Tasks, 2.5), ("due", Tasks, 2.0), ("commit*", Waiting, 2.5),
        ("done", Tasks, 1.5), ("plate", Tasks, 1.5), ("open", Tasks, 0.5), ("aufgabe*", Tasks, 3.0),
        ("frist*", Tasks, 2.5), ("fallig*", Tasks, 2.0), ("tache*", Tasks, 3.0),
        ("echeance*", Tasks, 2.5), ("tarea*", Tasks, 3.0), ("plazo*", Tasks, 2.5),
        // overdue
        ("overdue", Overdue, 3.5), ("late", Overdue, 2.5), ("past", Overdue, 0.5),
        ("behind", Overdue, 2.5), ("slipped", Overdue, 2.0), ("missed", Overdue, 2.0),
        ("miss", Overdue, 1.0), ("uberfallig*", Overdue, 3.5), ("verspat*", Overdue, 2.5),
        ("ruckstand*", Overdue, 2.5), ("retard*", Overdue, 3.0), ("atrasad*", Overdue, 3.0),
        ("vencid*", Overdue, 3.0), ("retrasad*", Overdue, 3.0),
        // top issues
        ("issue*", Issues, 3.0), ("problem*", Issues, 3.0), ("theme*", Issues, 3.0),
        ("topic*", Issues, 2.5), ("recurring", Issues, 2.5), ("common", Issues, 1.5),
        ("trend*", Issues, 2.0), ("pain", Issues, 2.0), ("wrong", Issues, 2.0),
        ("bugs", Issues, 2.0), ("top", Frequency, 1.0), ("biggest", Issues, 1.5),
        ("main", Issues, 1.0), ("about", Issues, 0.5), ("hot", Issues, 1.0),
        ("broken", Issues, 1.5), ("coince", Issues, 2.0), ("themen", Issues, 3.0),
        ("probleme*", Issues, 3.0), ("wiederkehrend*", Issues, 2.5), ("problemes", Issues, 3.0),
        ("sujets", Issues, 2.5), ("recurrent*", Issues, 2.5), ("principa*", Issues, 1.0),
        ("problemas", Issues, 3.0), ("temas", Issues, 2.5), ("frecuent*", Issues, 1.5),
        // summary
        ("summar*", Summary, 3.0), ("digest", Summary, 3.0), ("recap*", Summary, 3.0),
        ("overview", Summary, 3.0), ("rundown", Summary, 3.0), ("brief*", Summary, 2.5),
        ("report", Summary, 2.0), ("happen*", Summary, 2.0), ("highlights", Summary, 3.0),
        ("catch", Summary, 1.0), ("tldr", Summary, 3.0), ("tl", Summary, 1.5),
        ("zusammenfass*", Summary, 3.0), ("uberblick", Summary, 3.0), ("bericht", Summary, 2.0),
        ("passiert", Summary, 2.0), ("resume", Summary, 3.0), ("recapitulatif", Summary, 3.0),
        ("bilan", Summary, 3.0), ("apercu", Summary, 3.0), ("passe", Summary, 1.0),
        ("resumen", Summary, 3.0), ("informe", Summary, 2.0), ("balance", Summary, 2.0),
        ("paso", Summary, 1.5),
        // about someone
        ("doing", Status, 2.0), ("going", Status, 1.0), ("status", Status, 2.0),
        ("health", Status, 2.0), ("update", Status, 1.5), ("how", Status, 1.0),
        ("tell", Status, 1.0), ("geht", Status, 2.0), ("neues", Status, 2.0), ("news", Status, 1.5),
        ("lauft", Status, 2.0), ("steht", Status, 1.5), ("va", Status, 2.0),
        ("comment", Status, 1.0), ("tal", Status, 1.5), ("como", Status, 1.0),
        ("esta", Status, 0.5),
        // more ways of saying the same things
        ("walk", Unhappy, 2.0), ("sideways", Unhappy, 2.5), ("threat*", Unhappy, 2.5),
        ("cancel*", Unhappy, 2.5), ("lose", Unhappy, 2.5), ("losing", Unhappy, 2.5),
        ("absprung", Unhappy, 3.0), ("brennt", Unhappy, 2.0), ("kippe", Unhappy, 2.5),
        ("rouge", Unhappy, 2.0), ("red", Unhappy, 1.5), ("irse", Unhappy, 2.5),
        ("perder", Unhappy, 2.0), ("kundig*", Unhappy, 2.5), ("resili*", Unhappy, 2.5),
        ("deliver*", Waiting, 2.0), ("geliefert", Waiting, 2.0), ("liefer*", Waiting, 2.0),
        ("entreg*", Waiting, 2.0), ("livr*", Waiting, 2.0), ("shipped", Waiting, 1.5),
        ("court", Waiting, 2.0), ("send", Waiting, 1.5), ("envoy*", Waiting, 1.5),
        ("enviar", Waiting, 1.5), ("zusage*", Waiting, 2.5), ("entregable*", Waiting, 2.5),
        ("zuruckgeschrieben", Reply, 2.5), ("zuruckschreib*", Reply, 2.5), ("boite", Reply, 2.0),
        ("traine", Reply, 1.0), ("answered", Reply, 2.0), ("how long", Speed, 3.0),
        ("wie lange", Speed, 3.0), ("combien de temps", Speed, 3.0), ("cuanto tiempo", Speed, 3.0),
        ("cuanto tardan", Speed, 3.0), ("usually", Speed, 1.5), ("average", Speed, 2.0),
        ("median", Speed, 3.0), ("typical*", Speed, 1.5), ("durchschnitt*", Speed, 2.0),
        ("moyenne", Speed, 2.0), ("promedio", Speed, 2.0), ("action items", Tasks, 3.0),
        ("rendre", Tasks, 2.0), ("pendientes", Tasks, 2.0), ("vence*", Tasks, 2.5),
        ("ratee*", Overdue, 2.5), ("paso de fecha", Overdue, 3.5), ("past due", Overdue, 3.5),
        ("fecha", Tasks, 1.0), ("complaint", Issues, 2.5), ("friction", Issues, 2.5),
        ("schief", Issues, 2.0), ("falla", Issues, 2.0), ("fail*", Issues, 1.5),
        ("relationship", Status, 2.0), ("picture", Status, 2.0), ("point", Status, 1.5),
        ("situation", Status, 1.5),
        // how often: with complaints, a question about recurring themes
        ("most", Frequency, 1.0), ("often", Frequency, 1.5), ("repeatedly", Frequency, 2.0),
        ("again", Frequency, 1.0), ("always", Frequency, 1.0), ("haufigst*", Frequency, 1.5),
        ("immer wieder", Frequency, 2.0), ("le plus", Frequency, 1.0), ("souvent", Frequency, 1.5),
        ("mas", Frequency, 1.0), ("siempre", Frequency, 1.0), ("1", Frequency, 1.0),
        ("vite", Speed, 3.0), ("tages*", Summary, 2.0), ("zusammen", Summary, 2.0),
        ("sum", Summary, 2.0), ("day", Summary, 1.0), ("catch me up", Summary, 3.0),
        ("to dos", Tasks, 2.5), ("dropping the ball", Issues, 2.5), ("drop the ball", Issues, 2.5),
    ]
};

/// Words that carry no concept and name no one.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "do", "does", "did", "has", "have",
    "had", "who", "whom", "which", "what", "whats", "when", "where", "why", "any", "anything",
    "anyone", "anybody", "some", "someone", "of", "on", "in", "at", "to", "for", "from", "with",
    "by", "us", "we", "our", "me", "my", "i", "you", "your", "it", "its", "this", "that", "these",
    "those", "there", "still", "yet", "now", "so", "far", "please", "can", "could", "would", "will",
    "should", "show", "list", "give", "get", "and", "or", "not", "no", "all", "more", "right",
    "currently", "customers", "customer", "clients", "client", "accounts", "account", "people",
    "folks", "staff", "them", "they", "their", "he", "she", "him", "her", "need", "needs", "needed",
    "wer", "was", "ist", "sind", "welche", "welcher", "welches", "kunden", "kunde", "uns", "wir",
    "es", "mit", "noch", "von", "der", "die", "das", "den", "dem", "ein", "eine", "qui", "que",
    "quoi", "quels", "quelles", "quel", "quelle", "les", "des", "du", "de", "la", "le", "est",
    "sont", "nous", "clients", "client", "avec", "et", "en", "a", "quien", "quienes", "que", "cual",
    "cuales", "los", "las", "el", "del", "con", "nosotros", "nos", "clientes", "cliente", "hay",
    "son", "y", "u", "qu", "est-ce", "il", "elle", "ca", "se", "sich", "mir",

];

fn concept_of(word: &str, fuzzy: bool) -> Option<(Concept, f32)> {
    // The longest entry that fits: "antwortzeiten" is a reply time before it is an answer.
    let exact = VOCABULARY
        .iter()
        .filter(|(entry, _, _)| !entry.contains(' '))
        .filter(|(entry, _, _)| match entry.strip_suffix('*') {
            Some(stem) => word.starts_with(stem),
            None => word == *entry,
        })
        .max_by_key(|(entry, _, _)| entry.trim_end_matches('*').len());
    if let Some((_, concept, weight)) = exact {
        return Some((*concept, *weight));
    }
    if !fuzzy {
        return None;
    }
    // A typo: one slip in a word of five letters or more, two in one of eight or more.
    let length = word.chars().count();
    if length == 4 {
        // Four letters: only two swapped ("taks").
        return VOCABULARY
            .iter()
            .find(|(entry, _, _)| {
                let entry = entry.trim_end_matches('*');
                entry.len() == 4
                    && strsim::osa_distance(word, entry) == 1
                    && strsim::levenshtein(word, entry) == 2
            })
            .map(|(_, concept, weight)| (*concept, weight * 0.6));
    }
    if length < 5 {
        return None;
    }
    let allowed = if length >= 8 { 2 } else { 1 };
    VOCABULARY
        .iter()
        .filter(|(entry, _, _)| !entry.contains(' '))
        .filter_map(|(entry, concept, weight)| {
            let (target, stem) = match entry.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (*entry, false),
            };
            let size = target.chars().count();
            if size < 5 {
                return None;
            }
            // As many slips as the vocabulary word can take: one in five letters, two in eight.
            let allowed = if size >= 8 { allowed } else { allowed.min(1) };
            // A stem is compared with the word's first letters: as many as it has, one fewer
            // (a letter dropped) or one more (a letter doubled).
            let edits = if stem {
                (size - 1..=size + 1)
                    .map(|n| {
                        let prefix: String = word.chars().take(n).collect();
                        strsim::damerau_levenshtein(&prefix, target)
                    })
                    .min()
                    .unwrap_or(usize::MAX)
            } else {
                strsim::damerau_levenshtein(word, target)
            };
            (edits <= allowed).then_some((edits, *concept, *weight))
        })
        .min_by_key(|(edits, _, _)| *edits)
        .map(|(_, concept, weight)| (concept, weight * 0.6))
}

/// A question, understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub intent: Intent,
    /// The customer or staff member it is about or filtered to.
    pub about: Option<Found>,
    /// The period it names.
    pub period: Option<Period>,
    /// Only overdue tasks ("what is overdue?").
    pub overdue_only: bool,
}

impl Question {
    pub fn customer(&self) -> Option<uuid::Uuid> {
        self.about
            .as_ref()
            .filter(|f| f.kind == Kind::Customer)
            .map(|f| f.id)
    }

    pub fn employee(&self) -> Option<uuid::Uuid> {
        self.about
            .as_ref()
            .filter(|f| f.kind == Kind::Employee)
            .map(|f| f.id)
    }

    /// The day a summary is for: the period's first day, else today (both the tenant's).
    pub fn day(&self, now: DateTime<Utc>, zone: Tz) -> NaiveDate {
        self.period
            .and_then(|p| p.from)
            .unwrap_or(now)
            .with_timezone(&zone)
            .date_naive()
    }
}

/// Reads a question.
pub fn route(text: &str, directory: &Directory, now: DateTime<Utc>, zone: Tz) -> Question {
    let words = words(text);
    let mut ignored: Vec<bool> = words
        .iter()
        .map(|w| FUNCTION_WORDS.contains(&w.as_str()))
        .collect();
    let found_period = period::find(&words, now, zone);
    if let Some((_, used)) = &found_period {
        for i in used {
            if let Some(slot) = ignored.get_mut(*i) {
                *slot = true;
            }
        }
    }
    let mut scores: Vec<(Concept, f32)> = Vec::new();
    let mut phrase_used = vec![false; words.len()];
    let mut add =
        |concept: Concept, weight: f32| match scores.iter_mut().find(|(c, _)| *c == concept) {
            Some((_, total)) => *total += weight,
            None => scores.push((concept, weight)),
        };
    // Phrases of several words ("how long", "immer wieder") before single words.
    for (entry, concept, weight) in VOCABULARY.iter().filter(|(e, _, _)| e.contains(' ')) {
        let parts: Vec<&str> = entry.split(' ').collect();
        for start in 0..words.len().saturating_sub(parts.len() - 1) {
            let span = start..start + parts.len();
            if words[span.clone()].iter().zip(&parts).all(|(w, p)| w == p)
                && span.clone().all(|i| !phrase_used[i])
            {
                span.for_each(|i| phrase_used[i] = true);
                add(*concept, *weight);
            }
        }
    }
    // Words of the vocabulary as written; then names among the rest; then typos of the
    // vocabulary among what is left (so that "Meridian" is a customer, not a typo of "median").
    for (i, word) in words.iter().enumerate() {
        if phrase_used[i] {
            ignored[i] = true;
            continue;
        }
        if ignored[i] {
            continue;
        }
        if let Some((concept, weight)) = concept_of(word, false) {
            ignored[i] = true;
            add(concept, weight);
        }
    }
    let about = directory.find(&words, &ignored);
    if let Some(found) = &about {
        for i in &found.words {
            ignored[*i] = true;
        }
    }
    for (i, word) in words.iter().enumerate() {
        if ignored[i] {
            continue;
        }
        if let Some((concept, weight)) = concept_of(word, true) {
            ignored[i] = true;
            add(concept, weight);
        }
    }
    let score = |c: Concept| {
        scores
            .iter()
            .find(|(k, _)| *k == c)
            .map_or(0.0, |(_, s)| *s)
    };
    // Replies asked about with speed words are about responsiveness, not the inbox.
    let speed = score(Concept::Speed);
    let reply = score(Concept::Reply);
    let tasks = score(Concept::Tasks) + score(Concept::Overdue);
    // "what do customers complain about most?": complaints that recur are themes.
    // ("who complains most?" asks for customers, though.)
    let asks_who = words
        .iter()
        .any(|w| matches!(w.as_str(), "who" | "wer" | "qui" | "quien" | "quienes"));
    let recurring = score(Concept::Frequency) > 0.0 && score(Concept::Unhappy) > 0.0 && !asks_who;
    let (unhappy, issues) = if recurring {
        (0.0, score(Concept::Issues) + score(Concept::Unhappy))
    } else {
        (score(Concept::Unhappy), score(Concept::Issues))
    };
    let candidates = [
        (Intent::UnhappyCustomers, unhappy),
        // On a tie, replies before waiting: "pending replies" are emails to answer.
        (Intent::NeedsReply, if speed >= 1.5 { 0.0 } else { reply }),
        (Intent::WaitingOnUs, score(Concept::Waiting)),
        (
            Intent::Responsiveness,
            if speed > 0.0 {
                speed + reply * 0.5
            } else {
                0.0
            },
        ),
        (Intent::Tasks, tasks),
        (Intent::TopIssues, issues),
        (Intent::DailySummary, score(Concept::Summary)),
    ];
    let (best, weight) = candidates
        .iter()
        .copied()
        .fold(
            (Intent::Help, 0.0f32),
            |best, c| if c.1 > best.1 { c } else { best },
        );
    let status = score(Concept::Status);
    let one_day = found_period
        .as_ref()
        .and_then(|(p, _)| p.from.map(|from| p.to - from))
        .is_some_and(|span| span <= chrono::Duration::hours(25));
    let intent = match &about {
        // "how's Acme?", "how is Tom doing?", "Acme?", "overview of Acme": about someone
        // (but "yesterday's recap for Acme" is the day's summary).
        Some(found)
            if weight < 1.5
                || (best == Intent::DailySummary && !one_day)
                || (status >= 2.0 && weight <= status + 1.0) =>
        {
            match found.kind {
                Kind::Customer => Intent::Customer,
                Kind::Employee => Intent::Employee,
            }
        }
        // "is Meridian still mad at us?": about one customer's mood.
        Some(found) if found.kind == Kind::Customer && best == Intent::UnhappyCustomers => {
            Intent::Customer
        }
        // "is Tom slow to reply?": about one person's responsiveness.
        Some(found) if found.kind == Kind::Employee && best == Intent::Responsiveness => {
            Intent::Employee
        }
        // "what did I miss yesterday?", "how did today go?": a day, and little else.
        None if one_day && weight < 2.0 => Intent::DailySummary,
        _ if weight >= 1.0 => best,
        _ => Intent::Help,
    };
    let overdue_only = intent == Intent::Tasks && score(Concept::Overdue) > 0.0;
    Question {
        intent,
        about,
        period: found_period.map(|(p, _)| p),
        overdue_only,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::names::Entry;
    use uuid::Uuid;

    fn directory() -> Directory {
        Directory::new(vec![
            Entry::new(
                Kind::Customer,
                Uuid::from_u128(1),
                "Acme Logistics",
                Some("acme.com"),
                &[],
            ),
            Entry::new(
                Kind::Employee,
                Uuid::from_u128(2),
                "Tom Becker",
                None,
                &["tom@agency.io".to_owned()],
            ),
        ])
    }

    fn intent(text: &str) -> Intent {
        let now = "2026-11-20T20:00:00Z".parse().expect("time");
        route(text, &directory(), now, Tz::UTC).intent
    }

    #[test]
    fn each_question_of_the_design_reaches_its_intent() {
        use Intent::*;
        for (text, expected) in [
            (
                "Which customers are unhappy or at risk, and why?",
                UnhappyCustomers,
            ),
            ("What are customers waiting on from us?", WaitingOnUs),
            ("Which emails still need a reply or an action?", NeedsReply),
            (
                "How responsive is the team — who is slow to reply?",
                Responsiveness,
            ),
            ("Which tasks are open or overdue?", Tasks),
            ("What are the top issues this week?", TopIssues),
            ("how's Acme?", Customer),
            ("wie geht es Acme?", Customer),
            ("How is Tom doing?", Employee),
            ("today's summary", DailySummary),
            ("what's the weather like", Help),
        ] {
            assert_eq!(intent(text), expected, "{text}");
        }
    }

    #[test]
    fn typos_still_land() {
        assert_eq!(intent("any unhapy clients?"), Intent::UnhappyCustomers);
        assert_eq!(intent("whats overdeu"), Intent::Tasks);
    }

    #[test]
    fn overdue_questions_ask_for_overdue_tasks_only() {
        let now = "2026-11-20T20:00:00Z".parse().expect("time");
        assert!(route("anything overdue?", &directory(), now, Tz::UTC).overdue_only);
        assert!(!route("open tasks", &directory(), now, Tz::UTC).overdue_only);
    }

    #[test]
    fn a_question_about_a_customer_is_filtered_to_them() {
        let now = "2026-11-20T20:00:00Z".parse().expect("time");
        let q = route("what is acme waiting for?", &directory(), now, Tz::UTC);
        assert_eq!(q.intent, Intent::WaitingOnUs);
        assert_eq!(q.customer(), Some(Uuid::from_u128(1)));
    }
}
