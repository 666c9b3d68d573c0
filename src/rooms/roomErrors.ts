/** The room closed before the request's turn came: the caller opens the room again (see RoomRegistry.use). */
export class RoomClosedError extends Error {
  constructor(room: string) {
    super(`room ${room} has closed`);
    this.name = 'RoomClosedError';
  }
}
