/**
 * Puts `track` on `sender`, or takes it off (`null`) so that the sender costs no uplink.
 * `replaceTrack(null)` alone does that in Chromium, but Firefox keeps encoding about one black
 * frame a second for a video sender without a track; switching the sender's encodings off as well
 * stops it in both.
 */
export async function setSenderTrack(sender: RTCRtpSender, track: MediaStreamTrack | null): Promise<void> {
  await sender.replaceTrack(track);
  if (typeof sender.getParameters !== 'function') return;
  const parameters = sender.getParameters();
  const active = track !== null;
  if (!parameters.encodings?.length || parameters.encodings.every((e) => (e.active ?? true) === active)) return;
  for (const encoding of parameters.encodings) encoding.active = active;
  await sender.setParameters(parameters);
}
