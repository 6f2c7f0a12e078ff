# bash completion for berth: verbs, their subcommands and flags, and the names of containers, images,
# networks and volumes. Flags are read from `berth VERB --help`, so they follow the binary.
# shellcheck shell=bash

_berth_verbs="run create ps stop start restart kill rm logs exec inspect port wait top stats update rename cp attach container
image images rmi pull load save build check volume pod network secret compose info system version"

_berth_subcommands() { # verb
        case $1 in
        container) echo "ls list ps run create start stop restart kill rm remove logs exec inspect port wait top stats update rename cp attach prune" ;;
        image) echo "import ls list inspect rm remove tag prune" ;;
        network) echo "create ls list inspect rm remove prune connect disconnect" ;;
        volume) echo "create ls list inspect rm remove prune" ;;
        pod) echo "create ls inspect rm" ;;
        secret) echo "create ls inspect rm" ;;
        system) echo "info df prune" ;;
        compose) echo "up down ps logs config run start stop restart" ;;
        esac
}

# Columns of a table's rows (its header skipped), in bash alone: awk is not everywhere berth is.
_berth_column() { # N: the Nth column (0: the last)
        local line fields
        read -r line || return 0
        while read -r -a fields; do
                [ ${#fields[@]} -gt 0 ] || continue
                if [ "$1" -eq 0 ]; then echo "${fields[-1]}"; else echo "${fields[$1 - 1]}"; fi
        done
}
_berth_containers() { berth ps -a 2>/dev/null | _berth_column 0; }
_berth_images() {
        local line repo tag rest
        berth image ls 2>/dev/null | {
                read -r line
                while read -r repo tag rest; do
                        [ "$repo" = "<none>" ] || echo "$repo:$tag"
                done
        }
}
_berth_networks() { berth network ls 2>/dev/null | _berth_column 1; }
_berth_volumes() { berth volume ls 2>/dev/null | _berth_column 2; }

# The long flags a verb's --help lists.
_berth_flags() { # words...
        local line word
        echo --help
        berth "$@" --help 2>/dev/null | while read -r line; do
                for word in $line; do
                        word=${word#[}
                        word=${word%%[=,\]]*}
                        [[ $word == --[a-z]* ]] && echo "$word"
                done
        done
}

_berth() {
        local cur=${COMP_WORDS[COMP_CWORD]} verb="" sub="" i words
        COMPREPLY=()
        for ((i = 1; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in
                -*) ;;
                *)
                        if [ -z "$verb" ]; then
                                verb=${COMP_WORDS[i]}
                        elif [ -z "$sub" ] && [ -n "$(_berth_subcommands "$verb")" ]; then
                                sub=${COMP_WORDS[i]}
                        fi
                        ;;
                esac
        done
        if [ -z "$verb" ]; then
                if [[ $cur == -* ]]; then
                        words="--help --version"
                else
                        words=$_berth_verbs
                fi
                mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
                return 0
        fi
        if [ -n "$(_berth_subcommands "$verb")" ] && [ -z "$sub" ] && [[ $cur != -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_berth_subcommands "$verb")" -- "$cur")
                return 0
        fi
        if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_berth_flags "$verb" ${sub:+"$sub"})" -- "$cur")
                return 0
        fi
        if [ "${COMP_WORDS[COMP_CWORD - 1]}" = --volumes-from ]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_berth_containers)" -- "$cur")
                return 0
        fi
        # the container group's verbs take what the verbs of the same name take
        [ "$verb" = container ] && verb=$sub && sub=""
        case "$verb${sub:+ $sub}" in
        run | create | pull | "image inspect" | "image rm" | "image remove" | "image tag" | rmi | save)
                words=$(_berth_images) ;;
        stop | start | restart | kill | rm | remove | logs | exec | inspect | port | wait | top | stats | update | \
                rename | attach | "network connect" | "network disconnect")
                words=$(_berth_containers) ;;
        "network inspect" | "network rm" | "network remove") words=$(_berth_networks) ;;
        "volume inspect" | "volume rm" | "volume remove") words=$(_berth_volumes) ;;
        check) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
        cp) # CONTAINER: or a host path; no completion of paths inside a container
                [[ $cur == *:* ]] && return 0
                mapfile -t COMPREPLY < <(compgen -W "$(_berth_containers | while read -r i; do echo "$i:"; done)" -- "$cur"
                        compgen -f -- "$cur")
                return 0 ;;
        *) return 0 ;;
        esac
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
        return 0
}

complete -F _berth berth
