"""Sign-in, home, the register, a pupil record, the switcher and trust admin, in Chromium, each checked by axe."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.e2e.conftest import check_accessibility, demo_totp_code, sign_in

# The mark makes pytest-django create the test database; the data the live server shows is committed by
# the session's live_url fixture, and each test's own (empty) transaction is rolled back.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_senco_signs_in_and_opens_a_pupil_record(page, live_url):
    sign_in(page, live_url, "senco@oakfield.example")
    assert page.url.endswith("/reports/")  # the SENCO's home, with what needs doing
    check_accessibility(page)
    page.goto(f"{live_url}/pupils/")
    assert page.get_by_role("heading", level=1).inner_text()
    check_accessibility(page)
    page.get_by_label("SEN status").select_option("K")
    page.get_by_label("Name or UPN").fill("")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.locator("table tbody tr a").first.click()
    page.wait_for_load_state()
    assert "/pupils/" in page.url and page.url != f"{live_url}/pupils/"
    check_accessibility(page)


def test_the_switcher_and_summary_pages(page, live_url):
    sign_in(page, live_url, "lead@oakfield.example")
    page.goto(f"{live_url}/switch/")
    check_accessibility(page)
    for path in ("summary/", "", "to-do/follow-ups/", "head/", "trust/", "governor-visits/", "budget/"):
        page.goto(f"{live_url}/reports/{path}")
        check_accessibility(page)


def test_trust_admin_pages_and_a_form_with_errors(page, live_url):
    sign_in(page, live_url, "admin@oakfield.example")
    assert page.url.endswith("/trust/")
    check_accessibility(page)
    for link in ["Staff and roles", "Add a school year"]:
        page.goto(f"{live_url}/trust/")
        page.get_by_role("link", name=link).first.click()
        page.wait_for_load_state()
        check_accessibility(page)
    # Administrators pass the second factor at sign-in, which counts as a step-up for 10 minutes; later, changing
    # who can see pupils asks for the password and code again on this page.
    page.goto(f"{live_url}/account/confirm/?next=/trust/staff/invite/")
    check_accessibility(page)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    # The sign-in used this window's code; the next one is always newer, and within the server's drift tolerance.
    page.get_by_label("Code").fill(demo_totp_code(steps_ahead=1))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert page.url.endswith("/trust/staff/invite/")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page)
    page.goto(f"{live_url}/trust/")
    page.get_by_role("link", name="Term dates").first.click()
    page.wait_for_load_state()
    check_accessibility(page)


def test_a_governor_sees_figures_not_names(page, live_url):
    sign_in(page, live_url, "governor@oakfield.example")
    assert page.url.endswith("/reports/summary/")
    check_accessibility(page)


def test_the_pages_work_without_javascript(browser, live_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_url, "ta@oakfield.example", check=False)
    assert page.url.endswith("/pupils/")
    assert page.locator("table tbody tr").count() > 0
    context.close()


def test_a_class_teacher_writes_a_passport_and_sees_it_on_the_class_view(page, live_url):
    sign_in(page, live_url, "teacher@oakfield.example")
    page.get_by_role("link", name="Classes").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.locator("main ul a").first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.locator(".govuk-summary-card__title a").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="the passport").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_label("Key strategies").fill("")  # no strategies: errors first
    page.get_by_role("button", name="Save passport").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page)
    page.get_by_label("About me").fill("I love football and drawing maps.")
    page.get_by_label("Key strategies").fill("Check I have understood the task\nMovement break after 20 minutes")
    page.get_by_role("button", name="Save passport").click()
    page.wait_for_load_state()
    assert "Movement break after 20 minutes" in page.content()
    check_accessibility(page)


def test_a_teaching_assistant_records_a_session_on_a_phone(page, live_url):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_url, "ta@oakfield.example")
    page.get_by_role("link", name="Provision").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Groups and sessions").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("link", name="Lego-based therapy (Nov 2026)", exact=True).first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("link", name="Record a session").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_label("Date").fill("2026-11-03")  # a Tuesday of the group's dates, whatever day the suite runs
    boxes = page.locator("input[name=present]")
    assert boxes.count() >= 1
    boxes.first.uncheck()
    page.get_by_label("Note (optional)").fill("Built the bridge together; good turn-taking.")
    page.get_by_role("button", name="Save the session").click()
    page.wait_for_load_state()
    assert "Session of 3 November recorded" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="Lego-based therapy (Nov 2026)", exact=True).first.click()
    page.wait_for_load_state()
    assert "Built the bridge together" in page.content()
    check_accessibility(page)


def test_a_teacher_writes_a_plan_and_the_senco_signs_it_off(browser, live_url):
    from tests.e2e.conftest import sign_in as sign_in_as

    teacher_context = browser.new_context(bypass_csp=True)
    page = teacher_context.new_page()
    sign_in_as(page, live_url, "teacher@oakfield.example", check=False)
    page.goto(f"{live_url}/pupils/")
    links = [page.locator("table tbody tr a").nth(i).get_attribute("href") for i in range(8)]
    for href in links:
        page.goto(f"{live_url}{href}")
        if page.get_by_role("link", name="Start a SEN support plan").count():
            break
    page.get_by_role("link", name="Start a SEN support plan").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_label("Review date").fill("2026-09-01")  # before the start: an error first
    page.get_by_label("Starts").fill("2026-11-09")
    page.get_by_label("Concerns").fill("Struggles to start written tasks.")
    page.get_by_role("button", name="Start the plan").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page)
    page.get_by_label("Review date").fill("2027-02-05")
    page.get_by_role("button", name="Start the plan").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("link", name="Add a target").click()
    page.wait_for_load_state()
    page.get_by_label("Target", exact=True).fill("Write three sentences independently using a word bank")
    page.get_by_label("How we will know").fill("In 4 of 5 writing lessons, checked weekly")
    page.get_by_role("button", name="Save the target").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Send to the SENCO for sign-off").click()
    page.wait_for_load_state()
    assert "Awaiting the SENCO" in page.content()
    plan_url = page.url
    teacher_context.close()

    senco_context = browser.new_context(bypass_csp=True)
    page = senco_context.new_page()
    sign_in_as(page, live_url, "senco@oakfield.example", check=False)
    page.goto(plan_url)
    check_accessibility(page)
    page.get_by_role("button", name="Sign off the plan").click()
    page.wait_for_load_state()
    assert "signed off: it is active" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="Plans", exact=True).click()
    page.wait_for_load_state()
    check_accessibility(page)
    senco_context.close()


def test_the_assistant_senco_schedules_an_annual_review_through_to_the_report(page, live_url):
    """From the statutory calendar to a pupil's EHC plan, then schedule the review (a date error first), invite
    (the required invitees not yet invited are listed), circulate the advice (before it arrived: an error first),
    record the meeting, prepare the report for the LA and record it as sent: axe on every page. The assistant
    SENCO (annual-review scheduling is theirs), who signs in nowhere else: a one-time code is accepted once, and
    the SENCO signs in twice before this within the same 30 seconds."""
    import datetime as dt

    sign_in(page, live_url, "assistant@oakfield.example", check=False)
    page.get_by_role("link", name="Statutory", exact=True).click()
    page.wait_for_load_state()
    assert "Statutory calendar" in page.content()
    check_accessibility(page)
    page.get_by_text("Phase transfer review meeting (planning date)").first.click()  # the rule opens below
    assert page.get_by_text("Rule: The school's planning date").first.is_visible()
    page.locator("tr", has_text="Phase transfer review meeting").first.get_by_role("link").click()
    page.wait_for_load_state()
    assert "EHC plan" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="Schedule the annual review").click()
    page.wait_for_load_state()
    page.get_by_label("Meeting on").fill("2020-01-06")  # before the plan was issued: an error first
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page)
    today = dt.date.today().isoformat()
    page.get_by_label("Meeting on").fill(today)
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    assert "Annual review scheduled" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="Invite or ask for advice").click()
    page.wait_for_load_state()
    page.get_by_label("Party").select_option("parent")
    page.get_by_label("Name").fill("Mr and Mrs Example")
    page.get_by_label("Invitation sent on").fill(today)
    page.get_by_label("Advice due by").fill(today)
    page.get_by_label("Reply or advice received on").fill(today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Mr and Mrs Example" in page.content()
    # only the parents invited: the others required are listed as not invited
    assert page.get_by_role("row", name="Social care Not invited").is_visible()
    page.get_by_role("link", name="Invite or ask for advice").click()
    page.wait_for_load_state()
    page.get_by_label("Party").select_option("head")
    page.get_by_label("Name").fill("Ms Head")
    page.get_by_label("Invitation sent on").fill(today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("row", name="The head or principal Not invited").count() == 0
    assert page.get_by_role("row", name="An LA SEN officer Not invited").is_visible()
    check_accessibility(page)
    page.get_by_role("link", name="The advice was circulated").click()
    page.wait_for_load_state()
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    page.get_by_label("The advice was circulated to everyone invited on").fill(yesterday)  # before it arrived
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page)
    page.get_by_label("The advice was circulated to everyone invited on").fill(today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Circulation of the advice recorded" in page.content()
    page.get_by_role("link", name="Record the meeting").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_label("Meeting held on").fill(today)
    page.get_by_label("Attendees").fill("Parents\nSENCO\nClass teacher")
    page.get_by_label("The pupil's views").fill("I want to go to the big school with my friends.")
    page.get_by_label("Proposed amendments").fill("Name the secondary school in section I.")
    page.get_by_role("button", name="Save the record").click()
    page.wait_for_load_state()
    assert "Meeting recorded" in page.content()
    check_accessibility(page)
    review_url = page.url
    page.get_by_role("button", name="Review report (PDF)").click()
    page.wait_for_load_state()
    assert "Annual review report" in page.content()  # the document page (it refreshes until the PDF is ready)
    page.goto(review_url)
    page.get_by_role("link", name="The report was sent").click()
    page.wait_for_load_state()
    page.get_by_label("Report sent to the LA and everyone invited on").fill(today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Report recorded as sent" in page.content()
    assert "Report sent to the LA" in page.content()
    check_accessibility(page)
    page.get_by_role("link", name="Reminders", exact=True).click()
    page.wait_for_load_state()
    check_accessibility(page)
