// Web client configuration
export const firebaseConfig = {
  apiKey: "AIzawIVz9g45RSwvvpvRgHU4ITgpnC53EDUGszH",
  authDomain: "linger-samples.firebaseapp.com",
  projectId: "linger-samples",
};
