/**
 * The shared things rows point at: sequences, mailboxes, plays, companies and
 * people. Text is deliberately awkward (accents, CJK, emoji, right-to-left
 * script, quotes, commas, newlines, U+2028) so a client's storage and
 * rendering meet it in the sandbox before they meet it in production.
 * Every email address and domain is under the reserved `.example` TLD.
 */
import {
  chance,
  int,
  orNull,
  pick,
  type Random,
  uuid
} from "./Random.js"
import type { Company, Mailbox, Person, Play, User } from "./Rows.js"

export interface Sequence {
  readonly id: string
  readonly name: string | null
  /** The latest version; enrollments may be on it or record none. */
  readonly version: number
  /** The `{id, name}` enrollment rows embed, shared by all of them. */
  readonly summary: { readonly id: string; readonly name: string | null }
}

export interface Pools {
  readonly sequences: ReadonlyArray<Sequence>
  readonly mailboxes: ReadonlyArray<Mailbox>
  readonly plays: ReadonlyArray<Play>
  readonly people: ReadonlyArray<Person>
}

const FIRST_NAMES = [
  "Ana", "José", "Zoë", "Björn", "François", "Søren", "Aoife", "Renée",
  "Łukasz", "Şule", "Nguyễn Văn", "Михаил", "محمد", "דנה", "太郎", "美咲",
  "Olivia", "Liam", "Priya", "Kwame", "Mateo", "Chloé", "Jürgen", "Ines"
]

const LAST_NAMES = [
  "García", "O'Brien", "Dvořák", "Müller", "Ångström", "Smith", "Nakamura",
  "山田", "Иванова", "الحسيني", "כהן", "Okafor", "Lefèvre", "Kowalski",
  "D'Angelo", "van der Berg", "Johnson", "Świątek", "Öztürk", "Silva"
]

const COMPANY_STEMS = [
  "Acme", "Globex", "Initech", "Umbrella Analytics", "Müller & Söhne GmbH",
  "Société Générale de Test", "株式会社サンプル", "شركة المثال", "Ωmega Labs",
  "Café \"Le Nord\", SARL", "Rocket 🚀 Co", "Zürich Data AG", "Hooli",
  "Northwind", "Contoso", "Nørrebro Design", "Piper, Pied & Partners"
]

const DESCRIPTIONS = [
  "B2B software for revenue teams.",
  "We build \"tools\", not toys; since 1999.",
  "Line one\nLine two, with a comma",
  "Plateforme de données — conçue à Paris.",
  "データ基盤の会社です。",
  "نحن نبني منصات البيانات",
  "Emoji-friendly 🎉👩🏽‍💻 analytics",
  "Contains a line separator:\u2028right here",
  "Tab\tseparated\tvalues and a backslash \\"
]

const SEQUENCE_NAMES = [
  "Q3 Outbound — EMEA", "Webinar \"Growth 2026\" follow-up, part 2",
  "Relance clients été ☀️", "新規顧客フォローアップ", "حملة المتابعة",
  "Inbound demo request", "Closed-lost revival", "Champion left → new buyer",
  "Trial nurture\n(7 days)", "Event: SaaStr", "Renewal – 90 days out",
  "Partner intro", "Cold outbound · fintech", "Re-engage 🔁",
  "Line\u2028separated name", "Pricing page visitors", "ABM tier 1",
  "Product-qualified leads", "Hiring signal", "Funding round congrats 🎊"
]

const PLAY_NAMES = [
  "Website visitor → sequence", "New hire at target account",
  "Champion job change", "Intent surge (G2)", "Jeu d'été",
  "高意向アカウント", "Closed-lost 6 months", "Manual CSV import"
]

/** ASCII letters of a name, for addresses and slugs. */
export const ascii = (text: string): string =>
  text.normalize("NFD").toLowerCase().replace(/[^a-z]/g, "")

const makeUser = (random: Random, index: number): User => {
  const first = orNull(random, 0.1, () => pick(random, FIRST_NAMES))
  const last = orNull(random, 0.15, () => pick(random, LAST_NAMES))
  return {
    id: uuid(random),
    email: `${ascii(first ?? "") || "rep"}.${index}@seller.example`,
    first_name: first,
    last_name: last
  }
}

const makeMailbox = (
  random: Random,
  users: ReadonlyArray<User>,
  index: number
): Mailbox => {
  const user = orNull(random, 0.15, () => pick(random, users))
  const forward = chance(random, 0.25)
  return {
    id: uuid(random),
    email_address: index === 0
      ? null
      : `${user === null ? "outreach" : ascii(user.first_name ?? "") ||
        "rep"}.${index}@seller.example`,
    forward_to_email_address: forward ? `inbox.${index}@seller.example` : null,
    secondary_forward_to_email_address: forward && chance(random, 0.3)
      ? `team.${index}@seller.example`
      : null,
    user,
    secondary_forward_to_user: orNull(random, 0.8, () => pick(random, users))
  }
}

const makeCompany = (random: Random, index: number): Company => {
  const stem = pick(random, COMPANY_STEMS)
  const slug = `${ascii(stem) || "company"}${index}`
  return {
    id: uuid(random),
    name: orNull(random, 0.05, () => `${stem} ${index}`),
    domain: `${slug}.example`,
    description: orNull(random, 0.3, () => pick(random, DESCRIPTIONS)),
    linkedin_url: orNull(
      random,
      0.3,
      () => `https://www.linkedin.example/company/${slug}`
    )
  }
}

const makePerson = (
  random: Random,
  companies: ReadonlyArray<Company>,
  index: number
): Person => {
  const company = orNull(random, 0.08, () => pick(random, companies))
  const first = orNull(random, 0.05, () => pick(random, FIRST_NAMES))
  const last = orNull(random, 0.1, () => pick(random, LAST_NAMES))
  const local = `${ascii(first ?? "") || "contact"}.${index}`
  return {
    id: uuid(random),
    email: `${local}@${company?.domain ?? "mail.example"}`,
    first_name: first,
    last_name: last,
    linkedin_url: orNull(
      random,
      0.35,
      () => `https://www.linkedin.example/in/${local}-${int(random, 1e6)}`
    ),
    company
  }
}

const times = <A>(count: number, make: (index: number) => A) =>
  Array.from({ length: count }, (_, index) => make(index))

/**
 * Pools sized for `enrollments` rows. People recur across sequences (about
 * three enrollments each), as they do when a team works an account list.
 */
export const makePools = (random: Random, enrollments: number): Pools => {
  const users = times(10, (i) => makeUser(random, i))
  const companies = times(
    Math.max(20, Math.ceil(enrollments / 8)),
    (i) => makeCompany(random, i)
  )
  return {
    sequences: SEQUENCE_NAMES.map((text, i) => {
      const id = uuid(random)
      const name = i === 7 ? null : text
      return { id, name, version: 1 + int(random, 12), summary: { id, name } }
    }),
    mailboxes: times(15, (i) => makeMailbox(random, users, i)),
    plays: PLAY_NAMES.map((name) => ({ id: uuid(random), name })),
    people: times(
      Math.max(30, Math.ceil(enrollments * 0.35)),
      (i) => makePerson(random, companies, i)
    )
  }
}

/** The person as step rows embed it: the company without `description`. */
export const withoutDescription = (person: Person): Person => {
  if (person.company === null) return person
  const { description: _, ...company } = person.company
  return { ...person, company }
}

const SUBJECTS = [
  "Quick question about {company}",
  "Re: \"Q3 pricing\", next steps",
  "Idea for your team, {first}",
  "Following up\non my last note",
  "¿Tienes 15 minutos esta semana?",
  "お打ち合わせのご提案",
  "اقتراح سريع",
  "🚀 Launch day — thoughts?",
  "Invoice #4521, \"final\" version",
  "Separator\u2028inside a subject",
  "C:\\reports\\q3.pdf attached",
  "Zoë, ça vous intéresse ?"
]

/** A subject line, sometimes null, with the person's details filled in. */
export const subjectFor = (random: Random, person: Person): string | null =>
  orNull(random, 0.05, () =>
    pick(random, SUBJECTS)
      .replace("{company}", person.company?.name ?? "your company")
      .replace("{first}", person.first_name ?? "there"))
