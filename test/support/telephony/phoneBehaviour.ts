/**
 * What the lab's far end does when the trunk is asked to call a number.
 * The trunk decides per dialled number, so one lab can serve a test that
 * needs an answer and another that needs a busy signal.
 */

export type PhoneBehaviour =
  /** The trunk forwards the call to the phone, which answers at once. */
  | { readonly kind: 'answer' }
  /** The trunk forwards the call to the phone, which rings and never answers. */
  | { readonly kind: 'ringForever' }
  /** The trunk itself rejects the call with this final response. */
  | { readonly kind: 'reject'; readonly code: number; readonly reason: string }
  /** The trunk forwards the call to the server under test (a dial-in), at 127.0.0.1 on this SIP port. */
  | { readonly kind: 'toServer'; readonly sipPort: number };

export const answer: PhoneBehaviour = { kind: 'answer' };
export const ringForever: PhoneBehaviour = { kind: 'ringForever' };
export const busy: PhoneBehaviour = { kind: 'reject', code: 486, reason: 'Busy Here' };
export const decline: PhoneBehaviour = { kind: 'reject', code: 603, reason: 'Decline' };
export const toServer = (sipPort: number): PhoneBehaviour => ({ kind: 'toServer', sipPort });

/** Numbers every lab knows unless a test replaces the table. */
export const labNumbers = {
  answers: '+15550001000',
  busy: '+15550001486',
  declines: '+15550001603',
  neverAnswers: '+15550001408',
} as const;

export const defaultNumberBehaviours: Readonly<Record<string, PhoneBehaviour>> = {
  [labNumbers.answers]: answer,
  [labNumbers.busy]: busy,
  [labNumbers.declines]: decline,
  [labNumbers.neverAnswers]: ringForever,
};
