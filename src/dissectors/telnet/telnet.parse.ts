/**
 * Pure Telnet pieces (RFC 854 NVT, RFC 855 option negotiation) and the login-dialogue
 * classifiers. Telnet has no message framing: the dissector strips commands byte by byte with
 * `IacStripper` (a small state machine, bounded sub-negotiation) and classifies the server's
 * text with the patterns below.
 *
 * ```
 * IAC (255) followed by:  WILL 251 | WONT 252 | DO 253 | DONT 254  option     (3 bytes)
 *                         SB 250  option  parameters...  IAC SE 240              (sub-negotiation)
 *                         IAC 255                                                (a data byte 255)
 *                         any other command (NOP 241, GA 249, IP 244, AYT 246...) (2 bytes)
 * ```
 */

export const IAC = 255;
export const SB = 250;
export const SE = 240;
export const WILL = 251;
export const DONT = 254;

/** Longest sub-negotiation we follow before declaring it unterminated. */
export const MAX_SUBOPTION = 512;

export enum IacState {
  Data,
  Iac,
  Option,
  Sub,
  SubIac,
}

/**
 * Feeds one byte through the command stripper. Returns the data byte (0..255) or -1 when the
 * byte belonged to a command; -2 when a sub-negotiation exceeded MAX_SUBOPTION (the stripper
 * then returns to data mode).
 */
export interface IacStripper {
  state: IacState;
  subLen: number;
}
export function newStripper(): IacStripper {
  return { state: IacState.Data, subLen: 0 };
}
export function stripByte(st: IacStripper, b: number): number {
  switch (st.state) {
    case IacState.Data:
      if (b === IAC) {
        st.state = IacState.Iac;
        return -1;
      }
      return b;
    case IacState.Iac:
      if (b === IAC) {
        st.state = IacState.Data;
        return IAC;
      }
      if (b === SB) {
        st.state = IacState.Sub;
        st.subLen = 0;
      } else st.state = b >= WILL && b <= DONT ? IacState.Option : IacState.Data;
      return -1;
    case IacState.Option:
      st.state = IacState.Data;
      return -1;
    case IacState.Sub:
      if (b === IAC) st.state = IacState.SubIac;
      else if (++st.subLen > MAX_SUBOPTION) {
        st.state = IacState.Data;
        return -2;
      }
      return -1;
    case IacState.SubIac:
      st.state = b === SE ? IacState.Data : IacState.Sub;
      return -1;
  }
}

/** The server asks for a user name: `login:`, `Username:`, `User name:`, `User:` at the end. */
export function isUserPrompt(tail: string): boolean {
  // "Last login:" starts the post-login greeting, not a prompt.
  return /(?:login|user ?name|user)\s*:\s*$/i.test(tail) && !/last\s+login/i.test(tail);
}
/** The server asks for a password (or a PIN / passcode). */
export function isPasswordPrompt(tail: string): boolean {
  return /(?:password|passcode|pass phrase|passphrase)\s*:\s*$/i.test(tail);
}
/** Server output after the password that says the login failed. */
export function isFailure(text: string): boolean {
  return /incorrect|fail|invalid|denied|bad (?:password|login)|authentication error|not authori[sz]ed/i.test(text);
}
/** A shell or CLI prompt (`$ `, `# `, `> `, `router>`), or the usual post-login greeting. */
export function isSuccess(text: string): boolean {
  return /[$#>%]\s*$/.test(text) || /^Last login:|welcome to|logged in/i.test(text);
}
