// The five token scopes, with the names a person reads.

export const SCOPES = [
  { id: 'chat', name: 'Chat', help: 'Take part in chat: create threads, send and read messages.' },
  { id: 'voip', name: 'Voice and video calling (VOIP)', help: 'Call identities and phone numbers.' },
  {
    id: 'chat.join',
    name: 'Chat, join only',
    help: 'Chat in threads it is added to, without creating, deleting or updating threads.',
  },
  {
    id: 'chat.join.limited',
    name: 'Chat, join only, limited',
    help: 'As “join only”, and without adding or removing participants.',
  },
  { id: 'voip.join', name: 'Calling, join only', help: 'Join calls, without starting new ones.' },
];

/** "Chat (chat)"; an unknown scope as it is. */
export function scopeName(id) {
  const scope = SCOPES.find((s) => s.id === id);
  return scope ? `${scope.name} (${id})` : id;
}
