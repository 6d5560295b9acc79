// The loader against real libraries: one well-formed plugin and one library for each way a
// plugin can be wrong (tests/host/sdk/fixtures). Each refusal is a Failure with a message that
// names the file and what is wrong; none crashes the test process.
#include <backup_host/host.hpp>

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>

#include "support/memory_job_services.hpp"
#include "support/plugin_test_support.hpp"
#include "support/temp_dir.hpp"

namespace backup_host {
namespace {

namespace fs = std::filesystem;
using certbackup::testing::TempDir;
using testing::fixture_plugin;
using testing::MemoryJobServices;

// Copies a fixture into `dir` under `name` and returns the copy's path.
fs::path copy_fixture(const TempDir& dir, std::string_view fixture, const std::string& name) {
    const fs::path copy = dir / name;
    fs::copy_file(fixture_plugin(fixture), copy);
    return copy;
}

TEST(PluginLoader, LoadsAPluginAndCopiesItsDescription) {
    auto plugin = PluginLoader().load(fixture_plugin("probe"));
    ASSERT_TRUE(plugin) << plugin.error().message;
    const PluginDescription& probe = plugin->description();
    EXPECT_EQ(probe.id, "probe");
    EXPECT_EQ(probe.version, "2.3.4");
    EXPECT_EQ(probe.format_version, 7u);
    EXPECT_EQ(probe.abi_major, unsigned{BH_ABI_MAJOR});
    EXPECT_EQ(probe.abi_minor, unsigned{BH_ABI_MINOR});
    EXPECT_EQ(probe.file, fixture_plugin("probe"));
    EXPECT_EQ(probe.jobs, BH_JOBS_ALL);

    const OptionDescription* count = probe.find_option("count");
    ASSERT_NE(count, nullptr);
    EXPECT_EQ(count->type, OptionType::integer);
    EXPECT_EQ(count->default_value, "3");
    EXPECT_TRUE(count->used_by(JobKind::backup));
    EXPECT_FALSE(count->used_by(JobKind::restore));
    const OptionDescription* overwrite = probe.find_option("overwrite");
    ASSERT_NE(overwrite, nullptr);
    EXPECT_EQ(overwrite->role, OptionRole::overwrite);
    EXPECT_EQ(overwrite->choices, (std::vector<std::string>{"skip", "replace"}));
    EXPECT_FALSE(probe.find_option("dir")->default_value.has_value());

    ASSERT_EQ(probe.actions.size(), 4u);
    EXPECT_EQ(probe.actions[0].name, "echo");
    EXPECT_EQ(probe.actions[0].usage, "echo [WORDS...]");
}

TEST(PluginLoader, RefusesAFileThatIsNotASharedLibrary) {
    TempDir dir;
    const fs::path file = dir / "not-a-plugin.so";
    std::ofstream(file) << "this is text, not a library\n";
    auto plugin = PluginLoader().load(file);
    ASSERT_FALSE(plugin);
    EXPECT_EQ(plugin.error().status, Status::failed);
    EXPECT_EQ(plugin.error().message,
              "cannot load plugin " + file.string() + ": not a shared library (no ELF header)");
}

TEST(PluginLoader, RefusesAnExecutableWithTheLoadersReason) {
    TempDir dir;
    const fs::path file = dir / "program.so";
    fs::copy_file(fs::read_symlink("/proc/self/exe"), file);
    auto plugin = PluginLoader().load(file);
    ASSERT_FALSE(plugin);
    EXPECT_EQ(plugin.error().status, Status::failed);
    const std::string prefix = "cannot load plugin " + file.string() + ": ";
    EXPECT_TRUE(plugin.error().message.starts_with(prefix)) << plugin.error().message;
    EXPECT_GT(plugin.error().message.size(), prefix.size()) << "the dynamic loader's reason";
}

TEST(PluginLoader, ResolvesEverySymbolWhenLoading) {
    const fs::path file = fixture_plugin("unresolved_symbol");
    auto plugin = PluginLoader().load(file);
    ASSERT_FALSE(plugin);
    EXPECT_TRUE(plugin.error().message.starts_with("cannot load plugin " + file.string() + ": "))
        << plugin.error().message;
    EXPECT_NE(plugin.error().message.find("undefined symbol: backup_host_fixture_missing_function"),
              std::string::npos)
        << plugin.error().message;
}

// A fixture library the loader refuses: the status it must report (none where the test does
// not care) and the message, in which "{file}" stands for the library's path.
struct Refusal {
    std::string test;
    std::string fixture;
    std::optional<Status> status;
    std::string message;
};

// How gtest names a case (in ctest's list too): by its fixture, not by its bytes.
void PrintTo(const Refusal& refusal, std::ostream* out) {
    *out << refusal.fixture;
}

const std::string abi = std::to_string(BH_ABI_MAJOR) + "." + std::to_string(BH_ABI_MINOR);

const Refusal refusals[] = {
    {"RefusesALibraryWithoutTheEntry", "missing_entry", Status::failed,
     "{file} is not a backup-host plugin: it exports no 'backup_host_plugin' entry (a plugin "
     "exports it with BACKUP_HOST_PLUGIN)"},
    {"RefusesAnEntryExportedAsAFunctionInsteadOfAnAlias", "entry_not_alias", std::nullopt,
     "{file}: its 'backup_host_plugin' symbol is not a pointer to a function of the library; "
     "export the entry with BACKUP_HOST_PLUGIN or BOOST_DLL_ALIAS, not as a function of that "
     "name"},
    {"RefusesADescriptorWithABadMagic", "bad_magic", Status::failed,
     "{file} is not a backup-host plugin: its descriptor has magic 0xdeadbeef, expected "
     "0x42485047"},
    {"RefusesAPluginBuiltForAnotherAbiMajor", "wrong_major", Status::unsupported,
     "plugin 'wrong-major' ({file}) was built for ABI " + std::to_string(BH_ABI_MAJOR + 1) +
         ".0, this host speaks " + abi + "; use a build of the plugin for this host's SDK"},
    {"RefusesADescriptorSmallerThanItsAbiDefines", "small_descriptor", Status::failed,
     "plugin 'small-descriptor' ({file}) declares ABI " + abi + " but its descriptor is " +
         std::to_string(BH_DESCRIPTOR_HEADER_SIZE) + " bytes; ABI " + std::to_string(BH_ABI_MAJOR) +
         ".0 needs at least " + std::to_string(BH_DESCRIPTOR_SIZE_1_0) +
         "; rebuild it against this host's SDK"},
};

class PluginLoaderRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(PluginLoaderRefusal, NamesTheFileAndWhatIsWrong) {
    const Refusal& refusal = GetParam();
    const fs::path file = fixture_plugin(refusal.fixture);
    auto plugin = PluginLoader().load(file);
    ASSERT_FALSE(plugin);
    if (refusal.status) {
        EXPECT_EQ(plugin.error().status, *refusal.status);
    }
    std::string expected = refusal.message;
    expected.replace(expected.find("{file}"), 6, file.string());
    EXPECT_EQ(plugin.error().message, expected);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PluginLoaderRefusal, ::testing::ValuesIn(refusals),
                         [](const ::testing::TestParamInfo<Refusal>& info) {
                             return info.param.test;
                         });

TEST(PluginLoader, ReportsAMissingFile) {
    TempDir dir;
    auto plugin = PluginLoader().load(dir / "absent.so");
    ASSERT_FALSE(plugin);
    EXPECT_EQ(plugin.error().status, Status::not_found);
    EXPECT_EQ(plugin.error().message,
              "plugin file " + (dir / "absent.so").string() + " does not exist");
}

TEST(PluginLoader, ReportsACreateThatFailsWithThePluginsStatusAndMessage) {
    auto plugin = testing::load_plugin(fixture_plugin("create_fails"));
    MemoryJobServices services;
    auto instance = plugin.create(OptionValues(), services);
    ASSERT_FALSE(instance);
    EXPECT_EQ(instance.error().status, Status::not_found);
    EXPECT_EQ(instance.error().message,
              "plugin 'create-fails' could not be created: the store /nonexistent/store does "
              "not exist");
}

TEST(PluginLoader, ReportsAnExceptionThrownByCreate) {
    auto plugin = testing::load_plugin(fixture_plugin("probe"));
    MemoryJobServices services;
    auto options = validate_options(plugin.description(), JobKind::backup,
                                    {{"fail_at", "create"}, {"fail_with", "exception"}});
    ASSERT_TRUE(options) << options.error().message;
    auto instance = plugin.create(*options, services);
    ASSERT_FALSE(instance);
    EXPECT_EQ(instance.error().status, Status::failed);
    EXPECT_EQ(instance.error().message,
              "plugin 'probe' could not be created: unexpected error: probe threw at create");
    // The half-made object was destroyed inside the plugin.
    EXPECT_EQ(services.messages_starting_with("probe:"),
              (std::vector<std::string>{"probe: create", "probe: destroy"}));
}

TEST(PluginLoader, ScanLoadsEveryGoodPluginAndListsEveryProblem) {
    TempDir dir;
    copy_fixture(dir, "probe", "probe.so");
    const fs::path first = copy_fixture(dir, "duplicate_a", "duplicate_a.so");
    const fs::path second = copy_fixture(dir, "duplicate_b", "duplicate_b.so");
    const fs::path wrong = copy_fixture(dir, "wrong_major", "wrong_major.so");
    std::ofstream(dir / "not-a-plugin.so") << "text\n";
    std::ofstream(dir / "README.txt") << "not a .so, not looked at\n";

    auto scan = PluginLoader().scan(dir.path());
    ASSERT_TRUE(scan) << scan.error().message;
    ASSERT_EQ(scan->plugins.size(), 1u);
    EXPECT_EQ(scan->plugins[0].id(), "probe");
    ASSERT_EQ(scan->problems.size(), 3u);
    const std::string duplicate_message =
        "plugins " + first.string() + " and " + second.string() +
        " have the same id 'duplicate'; none of them is used: keep one of them in " +
        dir.path().string();
    EXPECT_EQ(scan->problems[0].message, "cannot load plugin " +
                                             (dir / "not-a-plugin.so").string() +
                                             ": not a shared library (no ELF header)");
    EXPECT_TRUE(scan->problems[1].message.starts_with("plugin 'wrong-major' (" + wrong.string()))
        << scan->problems[1].message;
    EXPECT_EQ(scan->problems[2].status, Status::conflict);
    EXPECT_EQ(scan->problems[2].message, duplicate_message);

    auto probe = scan->find("probe");
    ASSERT_TRUE(probe);
    EXPECT_EQ(probe->description().file, dir / "probe.so");
    auto duplicate = scan->find("duplicate");
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().status, Status::conflict);
    EXPECT_EQ(duplicate.error().message, duplicate_message);
    auto missing = scan->find("certificates");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().status, Status::not_found);
    EXPECT_EQ(missing.error().message,
              "no plugin 'certificates' in " + dir.path().string() + " (plugins there: probe)");
}

TEST(PluginLoader, ScanOfAMissingDirectoryIsNotFound) {
    TempDir dir;
    auto scan = PluginLoader().scan(dir / "absent");
    ASSERT_FALSE(scan);
    EXPECT_EQ(scan.error().status, Status::not_found);
    EXPECT_TRUE(scan.error().message.starts_with("cannot read the plugin directory " +
                                                 (dir / "absent").string() + ": "))
        << scan.error().message;
}

TEST(PluginLoader, DefaultDirectoryIsBesideTheExecutable) {
    EXPECT_EQ(PluginLoader::directory_beside("/opt/backup/bin/backup-host"),
              fs::path("/opt/backup/lib/backup-host/plugins"));
    auto directory = PluginLoader::default_directory();
    ASSERT_TRUE(directory) << directory.error().message;
    EXPECT_EQ(*directory, fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "lib" /
                              "backup-host" / "plugins");
}

// Whether the library at `file` is loaded in this process now.
bool is_loaded(const fs::path& file) {
    void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr)
        return false;
    ::dlclose(handle);  // RTLD_NOLOAD took a reference too
    return true;
}

TEST(PluginLoader, KeepsTheLibraryLoadedWhileAnInstanceLives) {
    TempDir dir;
    const fs::path file = copy_fixture(dir, "probe", "lifetime-probe.so");
    MemoryJobServices services;
    std::unique_ptr<PluginInstance> instance;
    {
        auto plugin = PluginLoader().load(file);
        ASSERT_TRUE(plugin) << plugin.error().message;
        auto options = validate_options(plugin->description(), JobKind::backup, {});
        ASSERT_TRUE(options);
        auto created = plugin->create(*options, services);
        ASSERT_TRUE(created) << created.error().message;
        instance = std::move(*created);
        ASSERT_TRUE(is_loaded(file));
    }
    // The loader and the LoadedPlugin are gone; the instance still holds the library.
    ASSERT_TRUE(is_loaded(file));
    ASSERT_TRUE(instance->begin_job(JobKind::backup));
    ASSERT_TRUE(instance->backup());
    ASSERT_TRUE(instance->end_job(Status::ok));
    EXPECT_EQ(services.items.size(), 3u);
    instance.reset();
    // The last holder is gone, and so is the library.
    EXPECT_FALSE(is_loaded(file));
    EXPECT_EQ(services.messages_starting_with("probe:").back(), "probe: destroy");
}

// One way to damage a valid descriptor, and the message the host's check must give for it.
struct DescriptorCase {
    const char* what;
    void (*damage)(bh_plugin_descriptor&, bh_option_spec&, bh_action_spec&);
    const char* message;
};

TEST(PluginLoader, DescriptorChecksSayWhatIsWrong) {
    static const bh_plugin_functions functions = {
        sizeof(bh_plugin_functions),
        BH_ABI_MINOR,
        [](const bh_host_services*, const bh_option_value*, std::size_t, bh_instance**) noexcept {
            return int{BH_FAILED};
        },
        [](bh_instance*) noexcept {},
        [](bh_instance*, int) noexcept { return int{BH_OK}; },
        [](bh_instance*, int) noexcept { return int{BH_OK}; },
        [](bh_instance*) noexcept { return int{BH_OK}; },
        nullptr,
        nullptr,
        nullptr,
        nullptr};
    const DescriptorCase cases[] = {
        {"bad id", [](auto& d, auto&, auto&) { d.id = "Bad Id"; },
         "plugin /p/x.so has an invalid id 'Bad Id' (lower-case letters, digits, '-', '_')"},
        {"no version", [](auto& d, auto&, auto&) { d.version = ""; },
         "plugin 'x' (/p/x.so) declares no version"},
        {"bad default", [](auto&, auto& o, auto&) { o.default_value = "many"; },
         "plugin 'x' (/p/x.so), option 'count': its default 'many' is not a valid int value"},
        {"option of a kind the plugin lacks",
         [](auto&, auto& o, auto&) { o.jobs = BH_JOBS_RESTORE; },
         "plugin 'x' (/p/x.so), option 'count': its job kinds (restore) are not among the "
         "plugin's (backup)"},
        {"role on a wrong type", [](auto&, auto& o, auto&) { o.role = BH_ROLE_RESTORE_TARGET; },
         "plugin 'x' (/p/x.so), option 'count': a restore target must be a path option"},
        {"actions without action jobs",
         [](auto& d, auto&, auto& a) {
             d.actions = &a;
             d.action_count = 1;
         },
         "plugin 'x' (/p/x.so) declares actions but does not support action jobs"},
        {"missing work function", [](auto& d, auto&, auto&) { d.jobs |= BH_JOBS_VERIFY; },
         "plugin 'x' (/p/x.so) has no 'verify' function"},
    };
    for (const DescriptorCase& c : cases) {
        bh_option_spec option{"count", BH_OPTION_INT, BH_JOBS_BACKUP, BH_ROLE_NONE,
                              "3",     nullptr,       "how many"};
        bh_action_spec action{"list", "lists", "list"};
        bh_plugin_descriptor descriptor{};
        descriptor.magic = BH_PLUGIN_MAGIC;
        descriptor.abi_major = BH_ABI_MAJOR;
        descriptor.abi_minor = BH_ABI_MINOR;
        descriptor.struct_size = sizeof descriptor;
        descriptor.id = "x";
        descriptor.version = "1";
        descriptor.description = "";
        descriptor.jobs = BH_JOBS_BACKUP;
        descriptor.options = &option;
        descriptor.option_count = 1;
        descriptor.functions = &functions;
        ASSERT_TRUE(detail::describe_plugin(descriptor, "/p/x.so")) << "undamaged, " << c.what;
        c.damage(descriptor, option, action);
        auto described = detail::describe_plugin(descriptor, "/p/x.so");
        ASSERT_FALSE(described) << c.what;
        EXPECT_EQ(described.error().message, c.message) << c.what;
    }
}

}  // namespace
}  // namespace backup_host
