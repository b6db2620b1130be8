//! Store tests: one conformance suite (`conformance.rs`) run against every backend, plus the
//! facts that belong to one backend (sled: reopen, lock, corruption; Redis: down at start,
//! lost connection, foreign keys, the format marker of trimmed logs).

/// Declares one `#[tokio::test]` per conformance case, each on a fresh subject made by
/// `$make(test_name)` (which returns `None` when the backend is skipped).
macro_rules! conformance_suite {
    ($make:path) => {
        conformance_suite!(@cases $make;
            records_are_created_updated_and_compare_and_set,
            a_put_moves_its_deadline_only_when_it_is_written,
            records_expire_after_their_ttl_and_can_be_created_again,
            a_claim_is_exclusive_and_its_rewrite_replaces_its_ttl,
            delete_removes_a_record_only_at_the_expected_version,
            versions_are_never_reused_after_a_delete,
            appends_get_gapless_seqs_in_order,
            logs_with_overlapping_names_are_independent,
            same_client_id_and_entries_return_the_original_seqs,
            same_client_id_with_other_entries_is_an_id_conflict,
            a_failed_record_compare_and_set_writes_nothing,
            an_append_writes_its_record_in_the_same_step,
            an_append_moves_its_deadline_only_when_it_is_written,
            concurrent_appends_from_eight_tasks_get_unique_gapless_seqs,
            concurrent_retries_of_one_client_id_append_once,
            read_log_pages_after_a_seq,
            binary_bodies_and_values_round_trip,
            a_fingerprint_decides_duplicates_when_entries_change,
            a_trimmed_log_keeps_its_numbering,
            trimming_past_the_head_drops_everything_and_appends_continue,
            a_trim_is_idempotent,
            a_retry_of_a_trimmed_append_is_a_duplicate_never_a_second_append,
            trims_between_concurrent_appends_never_renumber_an_entry,
            a_deleted_log_is_unknown_and_starts_again_at_seq_one,
            deleting_a_log_twice_or_an_unknown_log_deletes_nothing,
            a_trimmed_log_is_deleted_with_its_base,
            a_log_deleted_after_a_trim_is_trimmed_again_without_renumbering,
            an_overwritten_entry_keeps_its_seq_and_its_log_its_numbering,
            overwriting_an_entry_that_is_not_kept_writes_nothing,
            deleting_a_log_leaves_other_logs_and_kinds_of_data_alone,
            appends_racing_deletes_never_leave_a_stale_client_id,
            a_side_append_lands_with_its_batch_or_not_at_all,
            a_duplicate_batch_appends_nothing_to_its_side_logs,
            side_entries_are_numbered_after_a_trimmed_base,
            side_appends_that_cannot_be_written_are_rejected_with_invalid,
            concurrent_side_appends_to_one_log_get_unique_gapless_seqs,
            side_appends_of_many_entries_keep_their_order,
            a_guard_that_holds_lets_the_append_through,
            a_changed_or_deleted_guarded_record_is_a_conflict_that_writes_nothing,
            a_duplicate_stays_a_duplicate_whatever_the_guard,
            an_expired_guarded_record_counts_as_absent,
            sets_count_their_members_exactly,
            a_set_member_is_replaced_in_one_step_only_when_it_is_there,
            counters_restart_from_zero_after_their_window,
            schedules_return_due_members_in_deadline_order,
            a_deadline_changes_only_while_it_is_at_the_expected_time,
            kinds_of_data_with_one_name_do_not_collide,
            bad_requests_are_rejected_with_invalid,
            ping_and_flush_succeed_on_a_healthy_store,
        );
    };
    (@cases $make:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let Some(subject) = $make(stringify!($case)).await else {
                    return;
                };
                crate::store::conformance::$case(&subject).await;
            }
        )+
    };
}

mod conformance;
mod redis_backend;
mod redis_log_format;
mod sled_backend;
mod subject;
