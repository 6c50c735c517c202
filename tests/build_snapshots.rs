//! Snapshots of the built email (HTML and text) and the web page for a fixed
//! set of summaries at a fixed date. A change to the templates or to how
//! summaries are split into sections shows up here for review
//! (`cargo insta review`, or INSTA_UPDATE=always to accept).

mod build_support;

use build_support::Project;

#[test]
fn snapshot_of_the_issue_for_24_november_2026() {
    let p = Project::new();
    p.sample();
    p.build("2026-11-24");
    insta::assert_snapshot!("email_html", p.read("dist/issues/001/email.html"));
    insta::assert_snapshot!("email_txt", p.read("dist/issues/001/email.txt"));
    insta::assert_snapshot!("web_html", p.read("dist/issues/001/index.html"));
}
