import { SerialQueue } from './SerialQueue';

/**
 * Read-modify-write of RTCRtpSender parameters, one at a time per sender: setParameters needs the
 * transactionId of the latest getParameters, so two overlapping updates would fail or undo each
 * other. `change` edits the parameters in place and says whether anything changed; if not, nothing
 * is written.
 */
const queues = new WeakMap<RTCRtpSender, SerialQueue>();

export function updateSenderParameters(sender: RTCRtpSender, change: (parameters: RTCRtpSendParameters) => boolean): Promise<boolean> {
  let queue = queues.get(sender);
  if (!queue) {
    queue = new SerialQueue();
    queues.set(sender, queue);
  }
  return queue.run(async () => {
    const parameters = sender.getParameters();
    if (!change(parameters)) return false;
    await sender.setParameters(parameters);
    return true;
  });
}
