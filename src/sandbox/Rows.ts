/**
 * The bulk result rows as the contract spells them (SequenceEnrollment and
 * SequenceEnrollmentStep). Key order here is the order rows are serialized
 * in, which follows the published field tables.
 */
import type {
  EnrollmentStatus,
  ReplyCategory,
  StepStatus,
  StepType
} from "../domain/Resource.js"

export interface User {
  readonly id: string
  readonly email: string
  readonly first_name: string | null
  readonly last_name: string | null
}

export interface Mailbox {
  readonly id: string
  readonly email_address: string | null
  readonly forward_to_email_address: string | null
  readonly secondary_forward_to_email_address: string | null
  readonly user: User | null
  readonly secondary_forward_to_user: User | null
}

/** `description` is present in enrollment rows and omitted in step rows. */
export interface Company {
  readonly id: string
  readonly name: string | null
  readonly domain: string
  readonly description?: string | null
  readonly linkedin_url: string | null
}

export interface Person {
  readonly id: string
  readonly email: string
  readonly first_name: string | null
  readonly last_name: string | null
  readonly linkedin_url: string | null
  readonly company: Company | null
}

export interface Play {
  readonly id: string
  readonly name: string
}

export interface Reply {
  readonly id: string
  readonly subject: string | null
  readonly classifications: ReadonlyArray<{
    readonly id: string
    readonly category: (typeof ReplyCategory)[number]
  }>
}

export interface Flags {
  readonly is_blocked: boolean
  readonly is_bounced: boolean
  readonly is_canceled: boolean
  readonly is_opted_out: boolean
  readonly is_paused: boolean
  readonly is_replied: boolean
}

export interface EnrollmentRow extends Flags {
  readonly id: string
  readonly updated_at: string
  readonly status: (typeof EnrollmentStatus)[number]
  readonly version: number | null
  readonly started_at: string | null
  readonly ended_at: string | null
  readonly sequence: { readonly id: string; readonly name: string | null }
  readonly mailbox: Mailbox
  readonly person: Person
  readonly enrolled_by_play: Play | null
  readonly reply_email_message: Reply | null
}

export interface EmailMessage {
  readonly id: string
  readonly subject: string | null
  readonly sent_at: string | null
  readonly from_email_address: string | null
  readonly is_bounced: boolean
  readonly is_opted_out: boolean
  readonly clicks: number
  readonly opens: number
}

export interface StepRow extends Flags {
  readonly id: string
  readonly updated_at: string
  readonly type: (typeof StepType)[number] | null
  readonly status: (typeof StepStatus)[number]
  readonly sequence: {
    readonly id: string
    readonly name: string | null
    readonly version: number | null
  }
  readonly step_number: number | null
  readonly started_at: string | null
  readonly ended_at: string | null
  readonly enrollment: {
    readonly id: string
    readonly mailbox: Mailbox
    readonly person: Person
  }
  readonly email_message: EmailMessage | null
  readonly reply_email_message: Reply | null
}

export type Row = EnrollmentRow | StepRow
