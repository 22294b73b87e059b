//! The client ⇄ driver control protocol (Aeron `ControlProtocolEvents` and flyweights).
