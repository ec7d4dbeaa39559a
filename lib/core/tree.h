/*
 * lib/core/tree.h: the state of a TERMINUS_TERMINATE_TREE terminate, shared
 * by lib/core/tree.c (who the members are: the walk of the process list, the
 * rounds, the results) and lib/core/tree_group.c (the OS group that may hold
 * a tree: a cgroup, a job object). Nothing here is seen outside lib/core.
 */
#ifndef TERMINUS_CORE_TREE_H
#define TERMINUS_CORE_TREE_H

#include "run.h"

/* What one target's tree has come to. */
typedef struct tm_tree_root {
    uint32_t members, escaped;
    int code; /* the first failure of a member, or OK */
    int64_t os_code;
    terminus_pid member;
    char *msg; /* its record's message, or NULL */
    /* The group that holds the tree (tree_group.c), or NULL: the tree is walked */
    terminus_os_group *group;
    int group_killed;     /* its group_kill went out (once) */
    int group_done;       /* its last look is behind */
    int lost;             /* the group held something its last listing could not tell */
    int outside;          /* members the walk found are outside the group: the scans walk too */
    int kill_rc;          /* the group's kill: OK, or why it failed (kill_msg) */
    int64_t kill_os_code; /* its native code */
    char *kill_msg;       /* its record's message, or NULL */
} tm_tree_root;

/* A member that may be a parent in a listing. */
typedef struct tm_parent {
    terminus_pid pid;
    uint64_t start;
    size_t i;
} tm_parent;

typedef struct tm_tree {
    tm_snap snap;    /* the last listing */
    tm_snap gsnap;   /* the last listing of a group */
    unsigned rounds; /* the rounds made after the first listing */
    int stopped;     /* a round could not list: no more rounds */
    int job;         /* the caller gave a job: every tree is its group, none is walked */
    size_t ngroups;  /* the roots whose group is open */
    size_t noutside; /* the roots of those whose tree reaches outside the group */
    tm_tree_root *roots;
    tm_parent *par; /* scratch: the members that may be parents, by pid */
    size_t cappar;
    unsigned char *known; /* scratch: per listed process, whether it is a target already */
    size_t capknown;
} tm_tree;

/* tree.c */
/* The start a target is known to have (its own, or the one it must have): 1,
 * or 0 when none is known. */
int tm_target_start(const tm_target *t, uint64_t *start);
/* Mark the processes of listing `s` that are targets already (in
 * tree->known). 0 when out of memory. */
int tm_tree_mark_known(tm_run *r, const tm_snap *s);
/* Append process k of listing `s` (marked by tm_tree_mark_known) as a member
 * of target `root`'s tree. OK or E_NO_MEMORY. */
int tm_tree_member_add(tm_run *r, const tm_snap *s, size_t k, size_t root);
/* Take a listing of the group into `s` (sorted by pid). OK or the code of
 * group_list (recorded). */
int tm_snap_take_group(const terminus_os *os, terminus_os_group *group, tm_snap *s);

/* tree_group.c */
/* A round over the groups: each open group's processes that are not members
 * yet become members. OK, or the code of a group_list that failed. */
int tm_tree_group_round(tm_run *r);
/* Whether the trees are all groups (no listing of every process is needed). */
int tm_tree_groups_only(const tm_run *r);

#endif
