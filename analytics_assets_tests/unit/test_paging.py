"""`NewestFirstPaginator`: offset paging newest first, stopping at a short page, re-reading ties.

`read_with` (conftest) drives a paginator the way dlt's `RESTClient.paginate` does and records
every `(skip, limit)` it asked for. Rows are `r0, r1, ...` and their `createdAt` values are given
newest first; equal values are a tie group.
"""

import copy

import pytest

from analytics_assets.formbricks.paging import NewestFirstPaginator, ReadProgress


def paginator(limit: int = 3, progress: ReadProgress | None = None) -> NewestFirstPaginator:
    return NewestFirstPaginator(
        limit=limit,
        offset_param="skip",
        limit_param="limit",
        order_field="createdAt",
        progress=progress,
    )


def ids(*positions: int) -> list[str]:
    return [f"r{position}" for position in positions]


def test_the_first_request_asks_for_one_page_from_the_start_keeping_other_params(make_request):
    request = make_request(params={"surveyId": "s1"})

    paginator(limit=3).init_request(request)

    assert request.params == {"surveyId": "s1", "skip": 0, "limit": 3}


def test_a_request_without_params_gets_them(make_request):
    request = make_request()
    request.params = None

    paginator(limit=5).init_request(request)

    assert request.params == {"skip": 0, "limit": 5}


def test_the_parameter_names_are_the_ones_given(make_request):
    request = make_request()
    pager = NewestFirstPaginator(
        limit=2, offset_param="offset", limit_param="take", order_field="updatedAt"
    )

    pager.init_request(request)
    pager.update_state(None, [{"updatedAt": "b"}, {"updatedAt": "a"}])
    pager.update_request(request)

    assert request.params == {"offset": 2, "take": 2}


def test_a_full_page_advances_skip_by_the_page_size(make_request):
    request = make_request()
    pager = paginator(limit=3)
    pager.init_request(request)

    pager.update_state(None, [{"createdAt": "t9"}, {"createdAt": "t8"}, {"createdAt": "t7"}])
    pager.update_request(request)

    assert pager.has_next_page is True
    assert request.params == {"skip": 3, "limit": 3}


def test_a_short_page_ends_the_read_without_asking_for_an_empty_one(read_with):
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t7", "t6", "t5", "t4", "t3"])

    assert read.asked == [(0, 3), (3, 3), (6, 3)]
    assert read.ids == ids(0, 1, 2, 3, 4, 5, 6)
    assert pager.has_next_page is False
    assert pager.rereads == 0


def test_an_empty_page_ends_the_read_when_the_rows_fill_whole_pages(read_with):
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t7", "t6", "t5", "t4"])

    assert read.asked == [(0, 3), (3, 3), (6, 3)]
    assert read.ids == ids(0, 1, 2, 3, 4, 5)
    assert pager.has_next_page is False


def test_an_empty_first_page_ends_the_read_at_once(read_with):
    pager = paginator(limit=3)

    read = read_with(pager, [])

    assert read.asked == [(0, 3)]
    assert read.ids == []
    assert pager.has_next_page is False


def test_no_data_at_all_counts_as_an_empty_page(make_request):
    pager = paginator(limit=3)
    pager.init_request(make_request())

    pager.update_state(None, None)

    assert pager.has_next_page is False


def test_ties_cut_by_a_page_boundary_are_read_again_as_one_page_then_paging_goes_on(read_with):
    # Page 1 ends with t7 (position 2), page 2 starts with it (position 3): the group is 2..3.
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t7", "t7", "t6", "t5", "t4"])

    assert read.asked == [(0, 3), (3, 3), (2, 2), (6, 3)]
    assert read.ids == ids(0, 1, 2, 3, 4, 5, 2, 3, 6)
    assert pager.rereads == 1


def test_the_re_read_starts_at_the_first_tie_of_the_previous_page(read_with):
    # Two ties end page 1 (positions 1, 2) and one starts page 2 (position 3).
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t7", "t7", "t7", "t6", "t5", "t4"])

    assert read.asked == [(0, 3), (3, 3), (1, 3), (6, 3)]
    assert pager.rereads == 1


def test_the_re_read_reaches_the_last_tie_of_the_next_page(read_with):
    # One tie ends page 1 (position 2), two start page 2 (positions 3, 4).
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t7", "t7", "t7", "t5", "t4"])

    assert read.asked == [(0, 3), (3, 3), (2, 3), (6, 3)]
    assert read.ids == ids(0, 1, 2, 3, 4, 5, 2, 3, 4, 6)


def test_a_tie_group_inside_one_page_costs_no_request(read_with):
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t8", "t7", "t6", "t5", "t4"])

    assert read.asked == [(0, 3), (3, 3), (6, 3)]
    assert pager.rereads == 0


def test_ties_that_end_a_page_exactly_are_not_read_again(read_with):
    # t8 ends page 1, but page 2 starts with t7: the group was not cut.
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t8", "t7", "t6", "t5"])

    assert read.asked == [(0, 3), (3, 3), (6, 3)]
    assert pager.rereads == 0


def test_a_page_all_of_one_tie_waits_for_the_page_where_the_group_ends(read_with):
    # t5 runs from position 2 through page 2 (3..5) into page 3 (6): one re-read of 2..6.
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t5", "t5", "t5", "t5", "t5", "t4", "t3", "t2"])

    assert read.asked == [(0, 3), (3, 3), (6, 3), (2, 5), (9, 3)]
    assert pager.rereads == 1


def test_250_ties_in_pages_of_100_cost_the_normal_pages_and_one_re_read_of_250(read_with):
    pager = paginator(limit=100)

    read = read_with(pager, ["t1"] * 250)

    assert read.asked == [(0, 100), (100, 100), (200, 100), (0, 250)]
    assert pager.rereads == 1
    assert read.distinct_ids == set(ids(*range(250)))


def test_a_group_that_fills_the_last_full_pages_is_re_read_after_the_empty_page(read_with):
    pager = paginator(limit=100)

    read = read_with(pager, ["t1"] * 200)

    assert read.asked == [(0, 100), (100, 100), (200, 100), (0, 200)]
    assert pager.rereads == 1


def test_two_cut_groups_are_each_read_again_once(read_with):
    # t7 is cut at the first boundary (2..3), t4 at the second (5..6).
    pager = paginator(limit=3)

    read = read_with(pager, ["t9", "t8", "t7", "t7", "t5", "t4", "t4", "t3"])

    assert read.asked == [(0, 3), (3, 3), (2, 2), (6, 3), (5, 2)]
    assert pager.rereads == 2


def test_every_row_is_read_although_ties_come_back_in_a_new_order_on_each_request(read_with):
    # Four rows share t5 across the first boundary; the API rotates them on every request, so
    # the two normal pages alone show some twice and miss others.
    created_ats = ["t9", "t5", "t5", "t5", "t5", "t4", "t3"]
    pager = paginator(limit=3)

    read = read_with(pager, created_ats, shuffle_ties=True)

    assert read.asked == [(0, 3), (3, 3), (1, 4), (6, 3)]
    normal_pages = read.ids[:6]
    assert set(normal_pages) != set(ids(*range(6)))
    assert read.distinct_ids == set(ids(*range(7)))


def test_rows_without_the_order_field_do_not_break_the_read(make_request):
    pager = paginator(limit=2)
    request = make_request()
    pager.init_request(request)

    pager.update_state(None, ["not a record", {"id": "x"}])
    pager.update_request(request)

    assert request.params == {"skip": 2, "limit": 2}


def test_a_page_size_below_one_is_refused():
    with pytest.raises(ValueError) as raised:
        paginator(limit=0)

    assert str(raised.value) == "limit must be at least 1; got 0"


def test_progress_says_more_pages_follow_until_the_last_page_is_seen(make_request):
    progress = ReadProgress()
    progress.more = False  # left over from an earlier read
    pager = paginator(limit=2, progress=progress)

    pager.init_request(make_request())
    assert progress.more is True

    pager.update_state(None, [{"createdAt": "t9"}, {"createdAt": "t8"}])
    assert progress.more is True

    pager.update_state(None, [{"createdAt": "t7"}])
    assert progress.more is False


def test_progress_counts_a_queued_re_read_as_more_to_come(make_request):
    progress = ReadProgress()
    pager = paginator(limit=2, progress=progress)
    pager.init_request(make_request())
    pager.update_state(None, [{"createdAt": "t9"}, {"createdAt": "t8"}])

    pager.update_state(None, [{"createdAt": "t8"}])  # short, but t8 was cut: re-read 1..2

    assert progress.more is True
    assert pager.has_next_page is True
    pager.update_state(None, [{"createdAt": "t8"}, {"createdAt": "t8"}])
    assert progress.more is False


def test_a_deep_copy_of_the_paginator_shares_its_progress():
    progress = ReadProgress()
    pager = paginator(progress=progress)

    copied = copy.deepcopy(pager)

    assert copied is not pager
    assert copied.progress is progress
    assert copy.deepcopy(progress) is progress
