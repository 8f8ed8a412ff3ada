/** Tiki's known-answer vectors (see the facts sheet): the same key, secret and timestamp for every case. */
export const VECTOR_CREDENTIALS = {
  clientId: 'RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W',
  clientSecret: 'EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf',
};
export const VECTOR_TIMESTAMP = '1620621619569';

export const POST_VECTOR = {
  body: '{"id":123}',
  payload: '1620621619569.RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W.{"id":123}',
  encodedPayload: 'MTYyMDYyMTYxOTU2OS5STENLYjdBZTlreDREWHRYc0NXam5EWHRnZ0ZuTTQzVy57ImlkIjoxMjN9',
  signature: '8ebd092b9df2cf90e8ccbcab2ba87ee14f2abb25eb8f18b4d7286d42adcd45c2',
};

export const GET_VECTOR = {
  path: '/order',
  query: { location: 'Hà Nội', order_id: '88062110977884170' },
  pathAndQuery: '/order?location=H%C3%A0%20N%E1%BB%99i&order_id=88062110977884170',
  signature: 'e1e0d63f7f8296dd31b2c082e611351a6c41a3bc0309a9299832f70b693722c8',
};

export const GRAPHQL_VECTOR = {
  fields: {
    client_id: 'RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W',
    code: 'Y24CwtKFz7aPXv8wmghwZpnqHhpHaeA0THJ0qIY3BXjwm744zZ0JY6SkhRiNFVJT',
    timestamp: 1620901354516,
  },
  signature: 'f94fbc88a110c565b85904e963f5b82c7e9c1423480cb6dd0b0387d7d956533d',
};
