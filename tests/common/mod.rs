//! Helpers shared by integration tests (`mod common;`).
#![allow(dead_code)]

pub mod cdp;
pub mod chromium;
pub mod cli;
pub mod ledger_db;
pub mod preview;
pub mod sample;
pub mod send_project;
pub mod serve;
pub mod smtp_server;
pub mod store_server;
pub mod test_ca;
