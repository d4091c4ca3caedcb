// Thin C++ layer over Debian's libfaiss 1.7.3 that the JavaCPP binding calls. Each function does one
// FAISS call with plain types, so the Java side needs no header parsing; FAISS errors are C++
// exceptions, which JavaCPP turns into Java RuntimeExceptions.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <faiss/AutoTune.h>
#include <faiss/Index.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/invlists/DirectMap.h>
#include <faiss/clone_index.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/invlists/InvertedLists.h>

typedef faiss::Index FpIndex;

inline FpIndex* fp_index_factory(int d, const char* description, int inner_product) {
    if (d <= 0) throw std::invalid_argument("dimension must be positive");
    return faiss::index_factory(d, description, inner_product ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2);
}

inline void fp_free(FpIndex* index) { delete index; }

inline int fp_dim(const FpIndex* index) { return index->d; }

inline long long fp_ntotal(const FpIndex* index) { return index->ntotal; }

inline bool fp_is_trained(const FpIndex* index) { return index->is_trained; }

inline int fp_metric_inner_product(const FpIndex* index) {
    return index->metric_type == faiss::METRIC_INNER_PRODUCT ? 1 : 0;
}

inline void fp_train(FpIndex* index, long long n, const float* x) { index->train(n, x); }

inline void fp_add_with_ids(FpIndex* index, long long n, const float* x, const long long* ids) {
    index->add_with_ids(n, x, reinterpret_cast<const faiss::Index::idx_t*>(ids));
}

// nprobe and efSearch apply to this call only (0 keeps the index's own setting), so concurrent
// searches with different settings do not interfere.
inline void fp_search(const FpIndex* index, long long n, const float* x, long long k, float* distances,
        long long* labels, int nprobe, int ef_search) {
    auto* out = reinterpret_cast<faiss::Index::idx_t*>(labels);
    const faiss::IndexIVF* ivf = dynamic_cast<const faiss::IndexIVF*>(index);
    if (ivf != nullptr && (nprobe > 0 || ef_search > 0)) {
        faiss::SearchParametersIVF p;
        p.nprobe = nprobe > 0 ? nprobe : ivf->nprobe;
        faiss::SearchParametersHNSW q;
        if (ef_search > 0 && dynamic_cast<const faiss::IndexHNSW*>(ivf->quantizer) != nullptr) {
            q.efSearch = ef_search;
            p.quantizer_params = &q;
        }
        index->search(n, x, k, distances, out, &p);
        return;
    }
    const faiss::IndexHNSW* hnsw = dynamic_cast<const faiss::IndexHNSW*>(index);
    if (hnsw != nullptr && ef_search > 0) {
        faiss::SearchParametersHNSW q;
        q.efSearch = ef_search;
        index->search(n, x, k, distances, out, &q);
        return;
    }
    index->search(n, x, k, distances, out);
}

inline void fp_write(const FpIndex* index, const char* path) { faiss::write_index(index, path); }

inline FpIndex* fp_read(const char* path, bool mmap) {
    return faiss::read_index(path, mmap ? faiss::IO_FLAG_MMAP : 0);
}

inline long long fp_remove_ids(FpIndex* index, long long n, const long long* ids) {
    faiss::IDSelectorBatch sel(n, reinterpret_cast<const faiss::Index::idx_t*>(ids));
    return index->remove_ids(sel);
}

// Moves every vector of src into dst (both IVF, same trained quantizer); src ends empty.
inline void fp_merge_from(FpIndex* dst, FpIndex* src) { dst->merge_from(*src, 0); }

inline void fp_set_parameter(FpIndex* index, const char* name, double value) {
    faiss::ParameterSpace().set_index_parameter(index, name, value);
}

inline FpIndex* fp_clone(const FpIndex* index) { return faiss::clone_index(index); }

inline void fp_reset(FpIndex* index) { index->reset(); }

inline const faiss::IndexIVF* fp_ivf(const FpIndex* index) {
    const faiss::IndexIVF* ivf = dynamic_cast<const faiss::IndexIVF*>(index);
    if (ivf == nullptr) throw std::invalid_argument("not an IVF index");
    return ivf;
}

inline long long fp_nlist(const FpIndex* index) { return fp_ivf(index)->nlist; }

inline long long fp_list_size(const FpIndex* index, long long list) {
    const faiss::IndexIVF* ivf = fp_ivf(index);
    if (list < 0 || list >= (long long) ivf->nlist) throw std::out_of_range("list number out of range");
    return ivf->invlists->list_size(list);
}

// Lets fp_reconstruct find vectors by id: an IVF index gets a hash map id -> (list, offset), built
// by reading every list's ids once. Call before searches start; not concurrently with anything.
inline void fp_prepare_reconstruct(FpIndex* index) {
    faiss::IndexIVF* ivf = dynamic_cast<faiss::IndexIVF*>(index);
    if (ivf != nullptr) ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
}

// The stored vector of an id (decoded: SQ8 codes come back approximate); false when the index does
// not hold it. An IDMap (flat) index is scanned for the id; an IVF index needs fp_prepare_reconstruct.
inline bool fp_reconstruct(const FpIndex* index, long long id, float* out) {
    const faiss::IndexIDMap* map = dynamic_cast<const faiss::IndexIDMap*>(index);
    if (map != nullptr) {
        for (size_t i = 0; i < map->id_map.size(); i++) {
            if (map->id_map[i] == id) {
                map->index->reconstruct(i, out);
                return true;
            }
        }
        return false;
    }
    const faiss::IndexIVF* ivf = dynamic_cast<const faiss::IndexIVF*>(index);
    if (ivf == nullptr) throw std::invalid_argument("reconstruct by id needs an IDMap or IVF index");
    if (ivf->direct_map.type != faiss::DirectMap::Hashtable) throw std::logic_error("call fp_prepare_reconstruct first");
    if (ivf->direct_map.hashtable.count(id) == 0) return false;
    ivf->reconstruct(id, out);
    return true;
}

// What does FAISS's arithmetic: the OpenBLAS that was loaded (its build line, the core kernel it
// chose, its threads and threading model: 0 sequential, 1 pthreads, 2 OpenMP, the
// OPENBLAS_THREAD_TIMEOUT it read as it loaded, 0 when unset) and OpenMP's threads.
extern "C" {
char* openblas_get_config(void);
char* openblas_get_corename(void);
int openblas_get_num_threads(void);
int openblas_get_parallel(void);
int openblas_thread_timeout(void);
int omp_get_max_threads(void);
}
inline const char* fp_blas_config() { return openblas_get_config(); }
inline const char* fp_blas_core() { return openblas_get_corename(); }
inline int fp_blas_threads() { return openblas_get_num_threads(); }
inline int fp_blas_parallel() { return openblas_get_parallel(); }
inline int fp_blas_thread_timeout() { return openblas_thread_timeout(); }
inline int fp_omp_threads() { return omp_get_max_threads(); }
