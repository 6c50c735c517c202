//! Helpers shared by integration tests (`mod common;`).
#![allow(dead_code)]

pub mod chromium;
pub mod cli;
pub mod preview;
pub mod sample;
pub mod send_project;
pub mod smtp_server;
pub mod store_server;
