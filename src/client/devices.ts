/**
 * Local capture: asks for the microphone and camera, and fills the device
 * pickers (labels appear once permission is granted). Each picker also
 * offers "off", to join without that device.
 */
import { CAMERA_SIZE } from '../protocol/layers.js';

export const DEVICE_OFF = 'off';

export interface DeviceChoice {
  micId: string;
  cameraId: string;
}

export async function captureLocalMedia(choice: DeviceChoice): Promise<MediaStream> {
  const audio = choice.micId === DEVICE_OFF ? false : choice.micId ? { deviceId: { exact: choice.micId } } : true;
  const video =
    choice.cameraId === DEVICE_OFF
      ? false
      : { ...(choice.cameraId ? { deviceId: { exact: choice.cameraId } } : {}), width: { ideal: CAMERA_SIZE.width }, height: { ideal: CAMERA_SIZE.height } };
  if (!audio && !video) return new MediaStream();
  try {
    return await navigator.mediaDevices.getUserMedia({ audio, video });
  } catch (error) {
    console.warn('could not capture media', error);
    return new MediaStream();
  }
}

function fillSelect(select: HTMLSelectElement, devices: MediaDeviceInfo[], label: string, withOff: boolean): void {
  const previous = select.value;
  select.replaceChildren();
  devices.forEach((device, index) => select.append(new Option(device.label || `${label} ${index + 1}`, device.deviceId)));
  if (withOff) select.append(new Option(`No ${label.toLowerCase()}`, DEVICE_OFF));
  if ([...select.options].some((option) => option.value === previous)) select.value = previous;
}

export async function fillDevicePickers(mic: HTMLSelectElement, camera: HTMLSelectElement, speaker: HTMLSelectElement): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  fillSelect(mic, devices.filter((d) => d.kind === 'audioinput'), 'Microphone', true);
  fillSelect(camera, devices.filter((d) => d.kind === 'videoinput'), 'Camera', true);
  fillSelect(speaker, devices.filter((d) => d.kind === 'audiooutput'), 'Speaker', false);
}

/** Whether this browser can route audio to a chosen output device. */
export function canChooseSpeaker(): boolean {
  return 'setSinkId' in HTMLMediaElement.prototype;
}
