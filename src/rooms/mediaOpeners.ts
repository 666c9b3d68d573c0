/**
 * How each kind of participant gets its media session: a page opens one
 * of its own and hears of its subscriptions over its signalling channel;
 * a phone's call opens its bridge and dials. Rooms call both alike.
 */
import { PageMedia } from '../media/PageMedia.js';
import type { PhoneCall } from '../telephony/PhoneCall.js';
import type { FailureLog } from '../support/failures.js';
import type { MediaOpener } from './Participant.js';

export function pageOpener(failures: FailureLog): MediaOpener {
  return {
    open: (participant, node, janusRoom) =>
      PageMedia.create(node, {
        janusRoom,
        participantId: participant.id,
        nextPcId: () => participant.nextPcId(),
        notify: (notice) => participant.channel?.send(notice),
        blocked: participant.blocked,
        failures: failures.child({ participantId: participant.id }),
      }),
    failed: (participant, reason) => participant.channel?.send({ type: 'error', code: 'media_unavailable', reason }),
  };
}

export function phoneOpener(call: PhoneCall): MediaOpener {
  return {
    open: (_participant, node, janusRoom) => call.open(node, janusRoom),
    failed: (_participant, reason) => call.fail(reason),
  };
}
